{%- set landing_columns = [
    'date_start', 'campaign_id', 'campaign_name', 'impressions', 'clicks', 'spend',
    'account_currency',
] -%}

with

source as (

    select * from {{ source('ads', 'meta_ads') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(date_start)', 'trim(campaign_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        cast(trim(date_start) as date) as spend_date,
        trim(campaign_id) as campaign_id,
        {{ blank_to_null('campaign_name') }} as campaign_name,
        {{ parse_integer('impressions') }} as impressions,
        {{ parse_integer('clicks') }} as clicks,
        -- Meta reports spend in major units of the account currency already
        {{ parse_money('spend') }} as spend,
        {{ normalize_currency('account_currency') }} as currency,
        {{ star_except(source('ads', 'meta_ads'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest report of each campaign day stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
