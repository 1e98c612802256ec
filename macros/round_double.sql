{#- A double (a median, an average of hours or days) rounded to `scale` places, as a decimal.
    It goes through a 10-place decimal first, like safe_ratio's quotients: PostgreSQL has no
    round() for double precision, and a decimal rounds a value such as 1.005 half away from
    zero on every engine, where a double may hold it as 1.00499… -#}
{% macro round_double(expression, scale) -%}
    round(cast({{ expression }} as {{ type_decimal(10) }}), {{ scale }})
{%- endmacro %}
