{#- Days, with fractions, from one timestamp to a later one (negative when it is earlier):
    the elapsed time in seconds over 86,400, not a count of midnights crossed. -#}
{% macro days_between(start_expression, end_expression) -%}
    (cast({{ dbt.datediff(start_expression, end_expression, 'second') }} as {{ type_double() }}) / 86400)
{%- endmacro %}
