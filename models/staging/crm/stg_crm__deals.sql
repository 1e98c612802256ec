{%- set landing_columns = [
    'deal_id', 'lead_id', 'owner_id', 'created_at', 'status', 'closed_at', 'amount',
    'currency', 'lost_reason',
] -%}

{{ staged_incrementally('deal_id', 'crm', 'deals') }}

with

source as (

    select * from {{ source('crm', 'deals') }}
    {{ landed_since_last_build() }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(deal_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(deal_id) as deal_id,
        {{ blank_to_null('lead_id') }} as lead_id,
        {{ blank_to_null('owner_id') }} as owner_id,
        {{ parse_timestamp_utc('created_at') }} as created_at,
        {{ normalize_enum('status') }} as status,
        {{ parse_timestamp_utc('closed_at') }} as closed_at,
        {{ parse_money('amount') }} as amount,
        {{ normalize_currency('currency') }} as currency,
        {{ blank_to_null('lost_reason') }} as lost_reason,
        {{ star_except(source('crm', 'deals'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line,
        _loaded_at

    from versions_ranked
    -- the latest version of each deal stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
