{#- A segment is `enterprise`, `middle` or `small`; anything else, empty included, is
    `unknown` (SPEC §1), so that every lead and user lands in a reportable segment. -#}
{% macro normalize_segment(column) -%}
    case
            when lower(trim({{ column }})) in ('enterprise', 'middle', 'small')
                then lower(trim({{ column }}))
            else 'unknown'
        end
{%- endmacro %}
