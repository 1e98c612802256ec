{%- set landing_columns = [
    'lead_id', 'created_at', 'email', 'phone', 'company_name', 'segment', 'region',
    'utm_source', 'utm_medium', 'utm_campaign', 'marketer_id',
] -%}
{%- set contact_hashes = ['email_hash', 'phone_hash'] -%}

{{ staged_incrementally('lead_id', 'crm', 'leads') }}

with

source as (

    select * from {{ source('crm', 'leads') }}
    {{ landed_since_last_build() }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(lead_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(lead_id) as lead_id,
        {{ parse_timestamp_utc('created_at') }} as created_at,
        {{ blank_to_null('email') }} as email,
        {{ blank_to_null('phone') }} as phone,
        {{ blank_to_null('company_name') }} as company_name,
        {{ normalize_segment('segment') }} as segment,
        {{ blank_to_null('region') }} as region,
        -- utm values keep their case here; the channel map compares them lower-cased
        {{ blank_to_null('utm_source') }} as utm_source,
        {{ blank_to_null('utm_medium') }} as utm_medium,
        {{ blank_to_null('utm_campaign') }} as utm_campaign,
        {{ blank_to_null('marketer_id') }} as marketer_id,
        -- salted hashes computed at ingestion: the only form contact details take downstream
        email_hash,
        phone_hash,
        {{ star_except(source('crm', 'leads'), except=landing_columns + contact_hashes + landing_lineage_columns()) }}
        _landing_file,
        _landing_line,
        _loaded_at

    from versions_ranked
    -- the latest version of each lead stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
