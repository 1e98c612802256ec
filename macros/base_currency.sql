{#- The base currency (setting `base_currency`) as an upper-case SQL literal. -#}
{% macro base_currency() -%}
    '{{ run_setting('base_currency', 'USD') | upper }}'
{%- endmacro %}
