{#- Whether a date falls on a Saturday or a Sunday. Counted in days from Monday 1900-01-01
    rather than with a day-of-week function, whose name and numbering differ by engine
    (DuckDB `isodow`, PostgreSQL `extract(isodow ...)`, Spark `dayofweek` from Sunday). -#}
{% macro is_weekend(date_expression) -%}
    (mod({{ dbt.datediff("cast('1900-01-01' as date)", date_expression, 'day') }}, 7) >= 5)
{%- endmacro %}
