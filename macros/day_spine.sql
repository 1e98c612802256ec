{#-
    One row per day (`date_day`) from `start_date` to `end_date`, both included; the two are
    DATE expressions, scalar subqueries included.

    Built from cross-joined digits (0 to 99,999 days, some 270 years) and dbt.dateadd, which
    every engine runs as is, rather than a series function each engine spells differently;
    dbt's own date_spine would need the bounds at compile time, which a model computing them
    from its facts does not have. Named apart from dbt's so that neither hides the other.
-#}
{% macro day_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_spine')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_spine(start_date, end_date) -%}
    {%- set digits -%}
        (
            select 0 as digit union all select 1 union all select 2 union all select 3
            union all select 4 union all select 5 union all select 6 union all select 7
            union all select 8 union all select 9
        )
    {%- endset -%}
    select
            cast({{ dbt.dateadd('day', 'day_offsets.day_offset', start_date) }} as date) as date_day

        from (
            select
                ones.digit
                + 10 * tens.digit
                + 100 * hundreds.digit
                + 1000 * thousands.digit
                + 10000 * ten_thousands.digit as day_offset

            from {{ digits }} as ones
            cross join {{ digits }} as tens
            cross join {{ digits }} as hundreds
            cross join {{ digits }} as thousands
            cross join {{ digits }} as ten_thousands
        ) as day_offsets
        where day_offsets.day_offset <= {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}
