{#- Month × sales manager: the SQLs a manager received (by handover month), how many they
    accepted, the deals they closed (by close month) and the cash their deals brought (by
    payment month), each measure in its own month like channel_economics_monthly. -#}
with

handovers_assigned as (

    select * from {{ ref('int_handovers_assigned') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

deals_owned as (

    select
        deal_id,
        coalesce(owner_id, 'unassigned') as manager_id,
        created_at,
        closed_at,
        closed_month,
        is_won,
        is_lost,
        coalesce(lower(trim(lost_reason)), 'unspecified') as lost_reason

    from deals

),

measures as (

    select
        handover_month as month,
        manager_id,
        1 as sqls_received,
        case when verdict = 'accepted' then 1 else 0 end as accepted_count,
        0 as won_count,
        0 as lost_count,
        cast(null as {{ type_double() }}) as won_cycle_days,
        cast(0 as {{ type_money() }}) as revenue

    from handovers_assigned

    union all

    select
        closed_month,
        manager_id,
        0,
        0,
        case when is_won then 1 else 0 end,
        case when is_lost then 1 else 0 end,
        case when is_won then {{ days_between('created_at', 'closed_at') }} end,
        cast(0 as {{ type_money() }})

    from deals_owned
    where is_won or is_lost

    union all

    select
        payments.paid_month,
        deals_owned.manager_id,
        0,
        0,
        0,
        0,
        cast(null as {{ type_double() }}),
        payments.revenue_base

    from payments
    inner join deals_owned
        on deals_owned.deal_id = payments.deal_id
    where payments.status = 'succeeded'

),

summed as (

    select
        month,
        manager_id,
        sum(sqls_received) as sqls_received,
        sum(accepted_count) as accepted_count,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count,
        avg(won_cycle_days) as avg_deal_cycle_days,
        sum(revenue) as revenue_collected

    from measures
    group by month, manager_id

),

lost_reasons_counted as (

    select
        closed_month as month,
        manager_id,
        lost_reason,
        count(*) as lost_count

    from deals_owned
    where is_lost
    group by closed_month, manager_id, lost_reason

),

lost_reasons_ranked as (

    select
        month,
        manager_id,
        lost_reason,
        row_number() over (
            partition by month, manager_id
            order by lost_count desc, lost_reason asc
        ) as reason_rank

    from lost_reasons_counted

),

top_lost_reasons as (

    select
        month,
        manager_id,
        {{ listagg_ordered('lost_reason', "', '", 'reason_rank') }} as top_lost_reasons

    from lost_reasons_ranked
    where reason_rank <= 3
    group by month, manager_id

),

final as (

    select
        cast(summed.month as date) as month,
        cast(summed.manager_id as {{ dbt.type_string() }}) as manager_id,
        cast(users.user_name as {{ dbt.type_string() }}) as manager_name,
        cast(summed.sqls_received as {{ dbt.type_bigint() }}) as sqls_received,
        cast(summed.accepted_count as {{ dbt.type_bigint() }}) as accepted_count,
        cast(summed.won_count as {{ dbt.type_bigint() }}) as won_count,
        cast(summed.lost_count as {{ dbt.type_bigint() }}) as lost_count,
        cast(round({{ safe_ratio('summed.won_count', 'summed.won_count + summed.lost_count') }}, 4) as {{ type_decimal(4) }})
            as win_rate,
        cast({{ round_double('summed.avg_deal_cycle_days', 2) }} as {{ type_decimal(2) }}) as avg_deal_cycle_days,
        cast(round(summed.revenue_collected, 2) as {{ type_decimal(2) }}) as revenue_collected,
        cast(top_lost_reasons.top_lost_reasons as {{ dbt.type_string() }}) as top_lost_reasons

    from summed
    left join users
        on users.user_id = summed.manager_id
    left join top_lost_reasons
        on top_lost_reasons.month = summed.month
        and top_lost_reasons.manager_id = summed.manager_id

)

select * from final
