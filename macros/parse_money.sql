{#- A money value in major units (a decimal with a dot) as the project's money type;
    empty means unknown, not zero. -#}
{% macro parse_money(column) -%}
    cast({{ blank_to_null(column) }} as {{ type_money() }})
{%- endmacro %}
