{#- A `YYYY-MM` month as the DATE of its first day, the way every monthly table in the
    project keys its months. Months are required wherever they appear, so no empty case. -#}
{% macro parse_month(column) -%}
    cast({{ dbt.concat(['trim(' ~ column ~ ')', "'-01'"]) }} as date)
{%- endmacro %}
