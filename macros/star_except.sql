{#-
    Every column of `relation` except those named in `except`, quoted, each followed by a
    comma. Staging uses it to keep the columns a landing file carries beyond the contract
    (SPEC §1: extra columns are kept, never an error) without naming them, and without
    `select * exclude`, which only some engines have.

    The trailing comma lets the call sit among the named columns of a select list and
    disappear cleanly when nothing is left, so the select list stays valid either way.
    Names are compared case-insensitively, as DuckDB, PostgreSQL (unquoted) and Spark
    resolve them.
-#}
{% macro star_except(relation, except=[]) -%}
    {#- Columns are only known at run time; at parse time there is nothing to introspect. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}

    {#- In a dbt unit test the relation is the fixture CTE, which the catalog cannot
        describe; unit tests check the named columns, so the extras are left out there. -#}
    {%- if relation.type == 'cte' -%}
        {{ return('') }}
    {%- endif -%}

    {%- set excluded_names = except | map('lower') | list -%}
    {%- set kept_columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in excluded_names -%}
            {%- do kept_columns.append(adapter.quote(column.name) ~ ',') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ kept_columns | join('\n        ') }}
{%- endmacro %}
