{%- set landing_columns = ['event_id', 'lead_id', 'stage', 'occurred_at', 'user_id', 'reason'] -%}

{{ staged_incrementally('event_id', 'crm', 'lead_events') }}

with

source as (

    select * from {{ source('crm', 'lead_events') }}
    {{ landed_since_last_build() }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(event_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(event_id) as event_id,
        trim(lead_id) as lead_id,
        -- the CRM's own stage name; the seed crm_stage_map turns it into a canonical stage
        {{ normalize_enum('stage') }} as crm_stage,
        {{ parse_timestamp_utc('occurred_at') }} as occurred_at,
        {{ blank_to_null('user_id') }} as user_id,
        {{ blank_to_null('reason') }} as reason,
        {{ star_except(source('crm', 'lead_events'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line,
        _loaded_at

    from versions_ranked
    -- the latest version of each event stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
