{%- set landing_columns = ['date', 'currency', 'rate_to_base'] -%}
{%- set rate_date = adapter.quote('date') -%}

with

source as (

    select * from {{ source('finance', 'fx_rates') }}

),

versions_ranked as (

    select
        source.*,
        -- `eur` and `EUR` are one currency, so one record
        {{ landing_version_recency(['trim(' ~ rate_date ~ ')', normalize_currency('currency')]) }} as landing_version_recency

    from source

),

renamed as (

    select
        cast(trim({{ rate_date }}) as date) as rate_date,
        {{ normalize_currency('currency') }} as currency,
        cast(trim(rate_to_base) as {{ type_rate() }}) as rate_to_base,
        {{ star_except(source('finance', 'fx_rates'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest version of each day's rate stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
