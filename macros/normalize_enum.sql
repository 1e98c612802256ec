{#- Enum values (status, stage, kind, team, type) match case-insensitively, ignoring
    surrounding spaces (SPEC §1); staging stores them lower-cased and trimmed. -#}
{% macro normalize_enum(column) -%}
    lower({{ blank_to_null(column) }})
{%- endmacro %}
