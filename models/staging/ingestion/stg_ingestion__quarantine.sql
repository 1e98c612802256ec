with

source as (

    select * from {{ source('ingestion', 'quarantine') }}

),

renamed as (

    select
        entity,
        landing_file,
        cast(landing_line as {{ dbt.type_bigint() }}) as landing_line,
        column_name,
        reason,
        raw_text,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from source

)

select * from renamed
