{#- A 38-digit decimal with `scale` places: the published marts use 2 for money (cents) and
    4 for ratios. -#}
{% macro type_decimal(scale) -%}
    {{ return(adapter.dispatch('type_decimal')(scale)) }}
{%- endmacro %}

{% macro default__type_decimal(scale) -%}
    {{ return(api.Column.numeric_type('numeric', 38, scale)) }}
{%- endmacro %}

{#- Spark spells the type `decimal`. -#}
{% macro spark__type_decimal(scale) -%}
    {{ return(api.Column.numeric_type('decimal', 38, scale)) }}
{%- endmacro %}
