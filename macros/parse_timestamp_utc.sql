{#-
    An ISO-8601 timestamp string as a UTC timestamp without zone. A value with an offset or
    `Z` is an exact instant; a value without one is UTC already (SPEC §1).

    The naive case relies on the session time zone being UTC (the profile sets
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

{#- Spark's `timestamp` is an instant shown in the session zone
    (`spark.sql.session.timeZone`, to be UTC like the other targets): the cast honours an
    offset and reads a naive value as UTC. -#}
{% macro spark__parse_timestamp_utc(column) -%}
    cast({{ blank_to_null(column) }} as timestamp)
{%- endmacro %}
