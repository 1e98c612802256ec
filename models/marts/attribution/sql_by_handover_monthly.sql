{#- Month × segment × channel: SQLs in the month they were handed over to sales, with
    sales' verdicts and implicit handovers reported in that same month. -#}
with

handovers as (

    select * from {{ ref('fct_handovers') }}

),

aggregated as (

    select
        handover_month as month,
        segment,
        channel,
        count(*) as sql_count,
        sum(case when is_accepted then 1 else 0 end) as accepted_count,
        sum(case when is_rejected then 1 else 0 end) as rejected_count,
        sum(case when is_implicit_handover then 1 else 0 end) as implicit_handover_count

    from handovers
    group by handover_month, segment, channel

),

final as (

    select
        cast(month as date) as month,
        segment,
        channel,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(accepted_count as {{ dbt.type_bigint() }}) as accepted_count,
        cast(rejected_count as {{ dbt.type_bigint() }}) as rejected_count,
        cast(implicit_handover_count as {{ dbt.type_bigint() }}) as implicit_handover_count

    from aggregated

)

select * from final
