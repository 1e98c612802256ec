{%- set landing_columns = ['activity_id', 'lead_id', 'deal_id', 'user_id', 'type', 'occurred_at'] -%}

{{ staged_incrementally('activity_id', 'crm', 'activities') }}

with

source as (

    select * from {{ source('crm', 'activities') }}
    {{ landed_since_last_build() }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(activity_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(activity_id) as activity_id,
        {{ blank_to_null('lead_id') }} as lead_id,
        {{ blank_to_null('deal_id') }} as deal_id,
        trim(user_id) as user_id,
        {{ normalize_enum('type') }} as activity_type,
        {{ parse_timestamp_utc('occurred_at') }} as occurred_at,
        {{ star_except(source('crm', 'activities'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line,
        _loaded_at

    from versions_ranked
    -- the latest version of each activity stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
