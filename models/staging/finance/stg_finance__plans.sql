{%- set landing_columns = ['month', 'segment', 'metric', 'plan_value'] -%}
{%- set plan_month = adapter.quote('month') -%}

with

source as (

    select * from {{ source('finance', 'plans') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency([
            'trim(' ~ plan_month ~ ')',
            normalize_enum('segment'),
            normalize_enum('metric'),
        ]) }} as landing_version_recency

    from source

),

renamed as (

    select
        {{ parse_month(plan_month) }} as plan_month,
        -- a segment, or `all` for the whole company; not mapped to `unknown` like leads
        {{ normalize_enum('segment') }} as segment,
        {{ normalize_enum('metric') }} as metric,
        -- a count of SQLs or an amount of revenue in the base currency, by `metric`
        cast(trim(plan_value) as {{ type_money() }}) as plan_value,
        {{ star_except(source('finance', 'plans'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest version of each plan line stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
