{#-
    An amount in micros (millionths of the unit, Google Ads `cost_micros`, Yandex Direct
    `Cost`) as the money type in major units, exactly.
-#}
{% macro micros_to_units(column) -%}
    {{ return(adapter.dispatch('micros_to_units')(column)) }}
{%- endmacro %}

{#- Multiplying by 0.000001 rather than dividing by 1,000,000: DuckDB turns a decimal
    division into DOUBLE, which is not exact, while a decimal product keeps its scale on
    DuckDB, PostgreSQL and Spark alike. -#}
{% macro default__micros_to_units(column) -%}
    cast(
            cast(cast({{ blank_to_null(column) }} as {{ dbt.type_bigint() }}) as {{ api.Column.numeric_type('decimal', 38, 0) }})
            * 0.000001
            as {{ type_money() }}
        )
{%- endmacro %}
