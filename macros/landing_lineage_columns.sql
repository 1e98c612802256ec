{#-
    The columns ingestion adds to every raw table to say where a record came from
    (file, line, the file's rank in name order) and when it was loaded. Staging uses the
    list to tell them apart from a source's extra columns.
-#}
{% macro landing_lineage_columns() -%}
    {{ return(['_landing_file', '_landing_line', '_landing_file_rank', '_loaded_at']) }}
{%- endmacro %}
