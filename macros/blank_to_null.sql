{#- Trims a text value and turns an empty one into NULL: CSV exports cannot tell "no value"
    from "empty value", and downstream models should only ever test `is null`. -#}
{% macro blank_to_null(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
