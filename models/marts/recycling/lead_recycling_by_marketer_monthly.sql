{#- Month × marketer: the SQLs each marketer's leads gave sales in the month (by handover
    month), how many sales rejected, and what became of the rejected ones. A lead without a
    marketer counts under `unassigned`. -#}
with

handovers as (

    select * from {{ ref('fct_handovers') }}

),

rejections as (

    select * from {{ ref('int_rejections_followed') }}

),

handovers_followed as (

    select
        handovers.handover_month,
        coalesce(handovers.marketer_id, 'unassigned') as marketer_id,
        case when handovers.is_rejected then 1 else 0 end as is_rejected,
        case when rejections.is_rehanded_over then 1 else 0 end as is_rehanded_over,
        case when rejections.is_won_later then 1 else 0 end as is_won_later

    from handovers
    left join rejections
        on rejections.lead_id = handovers.lead_id

),

aggregated as (

    select
        handover_month as month,
        marketer_id,
        count(*) as sql_count,
        sum(is_rejected) as rejected_count,
        sum(is_rehanded_over) as rehanded_over_count,
        sum(is_won_later) as won_later_count

    from handovers_followed
    group by handover_month, marketer_id

),

final as (

    select
        cast(month as date) as month,
        cast(marketer_id as {{ dbt.type_string() }}) as marketer_id,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(rejected_count as {{ dbt.type_bigint() }}) as rejected_count,
        cast(rehanded_over_count as {{ dbt.type_bigint() }}) as rehanded_over_count,
        cast(won_later_count as {{ dbt.type_bigint() }}) as won_later_count,
        cast(round({{ safe_ratio('rejected_count', 'sql_count') }}, 4) as {{ type_decimal(4) }}) as rejection_rate

    from aggregated

)

select * from final
