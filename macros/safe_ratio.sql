{#- numerator ÷ denominator, NULL where the denominator is zero or NULL (SPEC §3).
    The division runs in double precision (DuckDB divides decimals as doubles anyway; its
    `float` is single precision, too coarse for cents) and the quotient comes back as a
    10-place decimal, so the mart's final round() is the decimal one on every engine. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast(
        cast({{ numerator }} as {{ type_double() }})
            / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
        as {{ type_decimal(10) }}
    )
{%- endmacro %}
