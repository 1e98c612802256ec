{%- set landing_columns = [
    'segments_date', 'campaign_id', 'campaign_name', 'metrics_impressions', 'metrics_clicks',
    'metrics_cost_micros', 'customer_currency_code',
] -%}

with

source as (

    select * from {{ source('ads', 'google_ads') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(segments_date)', 'trim(campaign_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        cast(trim(segments_date) as date) as spend_date,
        trim(campaign_id) as campaign_id,
        {{ blank_to_null('campaign_name') }} as campaign_name,
        {{ parse_integer('metrics_impressions') }} as impressions,
        {{ parse_integer('metrics_clicks') }} as clicks,
        -- Google reports cost in micros of the account currency
        {{ micros_to_units('metrics_cost_micros') }} as spend,
        {{ normalize_currency('customer_currency_code') }} as currency,
        {{ star_except(source('ads', 'google_ads'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest report of each campaign day stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
