{%- set landing_columns = ['month', 'channel', 'category', 'amount', 'currency'] -%}
{%- set cost_month = adapter.quote('month') -%}

with

source as (

    select * from {{ source('finance', 'marketing_costs') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency([
            'trim(' ~ cost_month ~ ')',
            normalize_enum('channel'),
            'trim(category)',
        ]) }} as landing_version_recency

    from source

),

renamed as (

    select
        {{ parse_month(cost_month) }} as cost_month,
        -- compared with the channels of the channel map, which are lower-case
        {{ normalize_enum('channel') }} as channel,
        trim(category) as category,
        {{ parse_money('amount') }} as amount,
        {{ normalize_currency('currency') }} as currency,
        {{ star_except(source('finance', 'marketing_costs'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest version of each cost line stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
