{#-
    The values of `measure` in a group joined into one text by `delimiter_text` (an SQL
    string literal), in the order of `order_expression`, NULLs left out.

    dbt.listagg takes an `order by` clause, but dbt-spark ignores it (collect_list keeps no
    order), so Spark sorts the collected pairs itself.
-#}
{% macro listagg_ordered(measure, delimiter_text, order_expression) -%}
    {{ return(adapter.dispatch('listagg_ordered')(measure, delimiter_text, order_expression)) }}
{%- endmacro %}

{% macro default__listagg_ordered(measure, delimiter_text, order_expression) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_expression) }}
{%- endmacro %}

{#- array_sort orders the structs by their first field, the sort key; ties by the value. -#}
{% macro spark__listagg_ordered(measure, delimiter_text, order_expression) -%}
    array_join(
            transform(
                array_sort(collect_list(named_struct('sort_key', {{ order_expression }}, 'value', {{ measure }}))),
                entry -> entry.value
            ),
            {{ delimiter_text }}
        )
{%- endmacro %}
