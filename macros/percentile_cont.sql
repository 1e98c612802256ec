{#-
    The continuous `fraction` percentile (0.5 the median, 0.9 the p90) of `expression` as an
    aggregate, interpolating between the two nearest values the way SQL's percentile_cont
    does, so that every engine gives the same answer. NULL inputs are ignored; a group
    without any value gives NULL.
-#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(expression, fraction)) }}
{%- endmacro %}

{#- Standard SQL ordered-set aggregate: PostgreSQL and most warehouses. -#}
{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{#- DuckDB's own spelling of the same aggregate (it rewrites the standard form to it). -#}
{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro postgres__percentile_cont(expression, fraction) -%}
    {{ default__percentile_cont(expression, fraction) }}
{%- endmacro %}

{#- Spark's exact percentile interpolates like percentile_cont. -#}
{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
