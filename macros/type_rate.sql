{#- The FX rate type: base-currency units for one unit of a currency. Ten decimal places
    keep rates of small currencies (0.0000123 per unit) meaningful. -#}
{% macro type_rate() -%}
    {{ return(adapter.dispatch('type_rate')()) }}
{%- endmacro %}

{% macro default__type_rate() -%}
    {{ return(api.Column.numeric_type('numeric', 38, 10)) }}
{%- endmacro %}

{#- Spark spells the type `decimal`. -#}
{% macro spark__type_rate() -%}
    {{ return(api.Column.numeric_type('decimal', 38, 10)) }}
{%- endmacro %}
