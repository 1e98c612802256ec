{#- The project's money type: a decimal in major units with six decimal places, enough to
    hold micros exactly and to sum many rows before the marts round to cents. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    {{ return(api.Column.numeric_type('numeric', 38, 6)) }}
{%- endmacro %}

{#- Spark spells the type `decimal`. -#}
{% macro spark__type_money() -%}
    {{ return(api.Column.numeric_type('decimal', 38, 6)) }}
{%- endmacro %}
