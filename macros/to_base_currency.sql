{#- An amount converted to the base currency at `rate` (base-currency units per unit), kept
    unrounded as the money type. Always a product, never a division: a decimal product stays
    exact on DuckDB, PostgreSQL and Spark, while DuckDB divides decimals as doubles. NULL when
    there is no rate, never zero. -#}
{% macro to_base_currency(amount_expression, rate_expression) -%}
    cast({{ amount_expression }} * {{ rate_expression }} as {{ type_money() }})
{%- endmacro %}
