{#- The first day of the month of a date, as a DATE (the `month` of every mart). -#}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}
