{#- Yandex Direct reports name their columns in CamelCase; they are quoted so that engines
    which fold unquoted names (PostgreSQL) still find them. -#}
{%- set landing_columns = [
    'Date', 'CampaignId', 'CampaignName', 'Impressions', 'Clicks', 'Cost', 'Currency',
] -%}
{%- set report_date = adapter.quote('Date') -%}
{%- set campaign_id = adapter.quote('CampaignId') -%}

with

source as (

    select * from {{ source('ads', 'yandex_direct') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(' ~ report_date ~ ')', 'trim(' ~ campaign_id ~ ')']) }} as landing_version_recency

    from source

),

renamed as (

    select
        cast(trim({{ report_date }}) as date) as spend_date,
        trim({{ campaign_id }}) as campaign_id,
        {{ blank_to_null(adapter.quote('CampaignName')) }} as campaign_name,
        {{ parse_integer(adapter.quote('Impressions')) }} as impressions,
        {{ parse_integer(adapter.quote('Clicks')) }} as clicks,
        -- Yandex reports cost in micros of the account currency
        {{ micros_to_units(adapter.quote('Cost')) }} as spend,
        {{ normalize_currency(adapter.quote('Currency')) }} as currency,
        {{ star_except(source('ads', 'yandex_direct'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest report of each campaign day stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
