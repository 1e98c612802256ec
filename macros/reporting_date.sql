{#- The calendar day, in the reporting time zone, of a UTC timestamp. -#}
{% macro reporting_date(column) -%}
    cast({{ to_reporting_time(column) }} as date)
{%- endmacro %}
