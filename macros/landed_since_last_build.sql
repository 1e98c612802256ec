{#-
    Staging of a large entity is incremental: a run reads only the raw rows ingestion loaded
    after those the staging table already holds (`_loaded_at` is the load's time, the same for
    every row of one load).

    Ingestion appends a file only when it sorts after every file loaded before it; otherwise it
    reloads the entity (orchestration/lib/ingestion.py, `plan_load`). So among
    the new rows, the latest version of a record is its latest version overall, and replacing
    the stored version by key (`delete+insert` on the entity's key) gives what a full rebuild
    would. A quarantined row never reaches raw and so replaces nothing.
-#}
{% macro landed_since_last_build() -%}
    {%- if is_incremental() %}
    where _loaded_at > (
        select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
    {%- endif -%}
{%- endmacro %}

{#- The configuration of an incrementally staged entity: its rows replaced by key, columns a
    new file brings added. Incremental where the engine can replace rows by key; Spark's plain
    Parquet tables cannot, so there the table is rebuilt. -#}
{% macro staged_incrementally(key_column, source_name, table_name) -%}
    {{ config(
        materialized='table' if target.type == 'spark' else 'incremental',
        unique_key=key_column,
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ drop_records_gone_from_raw(source('" ~ source_name ~ "', '"
            ~ table_name ~ "')) }}",
    ) }}
{%- endmacro %}

{#- A record whose every version left the landing files (a removed or rewritten file, which
    makes ingestion reload the entity) leaves staging too. A reload gives every raw row of the
    entity the new load time, and the incremental update re-stages every record still there,
    so a staged row older than the oldest raw row is one no landing file holds any more.
    Appending never removes raw rows, so then nothing is older and nothing goes. -#}
{% macro drop_records_gone_from_raw(landed_relation) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where _loaded_at < coalesce(
        (select min(_loaded_at) from {{ landed_relation }}),
        cast('9999-12-31' as {{ dbt.type_timestamp() }})
    )
    {%- endif -%}
{%- endmacro %}
