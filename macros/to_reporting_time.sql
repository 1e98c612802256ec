{#- A UTC timestamp (without zone) as wall-clock time in the reporting time zone
    (setting `timezone`): every day and month boundary of SPEC §2 is taken there. -#}
{% macro to_reporting_time(column) -%}
    {{ return(adapter.dispatch('to_reporting_time')(column)) }}
{%- endmacro %}

{#- DuckDB and PostgreSQL: read the naive value as UTC, then show it in the reporting zone. -#}
{% macro default__to_reporting_time(column) -%}
    (({{ column }} at time zone 'UTC') at time zone '{{ run_setting('timezone', 'UTC') }}')
{%- endmacro %}

{% macro spark__to_reporting_time(column) -%}
    from_utc_timestamp({{ column }}, '{{ run_setting('timezone', 'UTC') }}')
{%- endmacro %}
