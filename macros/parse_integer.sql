{#- A whole number (impressions, clicks); empty means not reported, not zero. -#}
{% macro parse_integer(column) -%}
    cast({{ blank_to_null(column) }} as {{ dbt.type_bigint() }})
{%- endmacro %}
