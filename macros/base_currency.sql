{#- The base currency (var `base_currency`) as an upper-case SQL literal. -#}
{% macro base_currency() -%}
    '{{ var("base_currency") | upper }}'
{%- endmacro %}
