{#- Currencies arrive as ISO-4217 codes in any case (SPEC §1); staging stores them
    upper-cased so that a join to the FX rates never depends on how a source spells them. -#}
{% macro normalize_currency(column) -%}
    upper({{ blank_to_null(column) }})
{%- endmacro %}
