{%- set landing_columns = ['user_id', 'name', 'team', 'segment'] -%}

with

source as (

    select * from {{ source('crm', 'users') }}

),

versions_ranked as (

    select
        source.*,
        {{ landing_version_recency(['trim(user_id)']) }} as landing_version_recency

    from source

),

renamed as (

    select
        trim(user_id) as user_id,
        {{ blank_to_null('name') }} as user_name,
        {{ normalize_enum('team') }} as team,
        {{ normalize_segment('segment') }} as segment,
        {{ star_except(source('crm', 'users'), except=landing_columns + landing_lineage_columns()) }}
        _landing_file,
        _landing_line

    from versions_ranked
    -- the latest version of each user stands; earlier ones were replaced
    where landing_version_recency = 1

)

select * from renamed
