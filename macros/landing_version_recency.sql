{#-
    Numbers the versions of one record, 1 being the one that stands: a record whose key
    appears again in a later file (higher `_landing_file_rank`) replaces the earlier one,
    and within one file a later line wins (SPEC §1, CRM exports re-send updated rows).

    `key_expressions` are SQL expressions, not bare column names, so that a key is compared
    the way staging normalises it (trimmed; currency codes and enums case-insensitive).
    Plain window SQL, portable as is; the caller filters on `= 1` in a later CTE because
    `qualify` is not available everywhere.
-#}
{% macro landing_version_recency(key_expressions) -%}
    row_number() over (
            partition by {{ key_expressions | join(', ') }}
            order by _landing_file_rank desc, _landing_line desc
        )
{%- endmacro %}
