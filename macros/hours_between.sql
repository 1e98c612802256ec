{#- Hours, with fractions, from one timestamp to a later one (negative when it is earlier).
    Counted in seconds through dbt.datediff, which every engine runs, so that a reply after
    90 minutes is 1.5 hours rather than a whole-hour boundary count. -#}
{% macro hours_between(start_expression, end_expression) -%}
    (cast({{ dbt.datediff(start_expression, end_expression, 'second') }} as {{ type_double() }}) / 3600)
{%- endmacro %}
