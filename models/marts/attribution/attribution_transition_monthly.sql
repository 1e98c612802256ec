{#- Month × segment × channel: the same SQLs counted both ways while the company moves from
    "SQLs by lead creation" to "SQLs by handover", so that everyone sees how far each month
    moves. A month appears when either side has something to count; the other side is 0. -#}
with

handovers as (

    select * from {{ ref('fct_handovers') }}

),

sqls_by_both_months as (

    -- each SQL once in its creation month (legacy) and once in its handover month
    select
        created_month as month,
        segment,
        channel,
        1 as counted_by_creation,
        0 as counted_by_handover

    from handovers

    union all

    select
        handover_month as month,
        segment,
        channel,
        0 as counted_by_creation,
        1 as counted_by_handover

    from handovers

),

aggregated as (

    select
        month,
        segment,
        channel,
        sum(counted_by_creation) as sql_count_by_creation,
        sum(counted_by_handover) as sql_count_by_handover

    from sqls_by_both_months
    group by month, segment, channel

),

final as (

    select
        cast(month as date) as month,
        segment,
        channel,
        cast(sql_count_by_creation as {{ dbt.type_bigint() }}) as sql_count_by_creation,
        cast(sql_count_by_handover as {{ dbt.type_bigint() }}) as sql_count_by_handover,
        cast(sql_count_by_handover - sql_count_by_creation as {{ dbt.type_bigint() }}) as delta

    from aggregated

)

select * from final
