{#-
    An ISO-8601 timestamp string as a UTC timestamp without zone. A value with an offset or
    `Z` is an exact instant; a value without one is UTC already (SPEC §1).

    The default relies on the session time zone being UTC (the DuckDB profile sets
    `TimeZone: UTC`): casting text to a zoned timestamp reads a naive value in the session
    zone. A plain cast to `timestamp` is no way out, because DuckDB and PostgreSQL silently
    drop the offset there.
-#}
{% macro parse_timestamp_utc(column) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc')(column)) }}
{%- endmacro %}

{#- Standard SQL `at time zone`; DuckDB and PostgreSQL both return a timestamp without zone. -#}
{% macro default__parse_timestamp_utc(column) -%}
    (cast({{ blank_to_null(column) }} as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{#- A PostgreSQL server has its own time zone, which dbt-postgres cannot set per session: a
    value that is only a date and a time is read as UTC on its own, whatever the session's
    zone; anything after the time (`Z`, an offset, a zone name) makes it an exact instant. -#}
{% macro postgres__parse_timestamp_utc(column) -%}
    case
            when {{ blank_to_null(column) }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]*)?$'
                then cast({{ blank_to_null(column) }} as timestamp)
            else (cast({{ blank_to_null(column) }} as timestamp with time zone) at time zone 'UTC')
        end
{%- endmacro %}

{#- Spark's `timestamp` is an instant shown in the session zone
    (`spark.sql.session.timeZone`, to be UTC like the other targets): the cast honours an
    offset and reads a naive value as UTC. -#}
{% macro spark__parse_timestamp_utc(column) -%}
    cast({{ blank_to_null(column) }} as timestamp)
{%- endmacro %}
