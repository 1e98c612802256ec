{#- numerator ÷ denominator, NULL where the denominator is zero or NULL (SPEC §3).
    The division runs in floating point (DuckDB divides decimals as doubles anyway) and the
    quotient comes back as a 10-place decimal, so the mart's final round() is the decimal
    one — half away from zero — on every engine. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast(
        cast({{ numerator }} as {{ dbt.type_float() }})
            / nullif(cast({{ denominator }} as {{ dbt.type_float() }}), 0)
        as {{ type_decimal(10) }}
    )
{%- endmacro %}
