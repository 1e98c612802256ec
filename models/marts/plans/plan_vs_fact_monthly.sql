{#- Month × segment × metric: the plan beside the fact counted by the rules of SPEC §2 (SQLs
    by handover month, revenue by payment month), with the run-rate forecast for the month
    of as_of. Segment `all` is the whole company: its fact is the sum over every segment,
    `unknown` included. -#}
with

plans as (

    select * from {{ ref('stg_finance__plans') }}

),

handovers as (

    select * from {{ ref('fct_handovers') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

facts_by_segment as (

    select handover_month as month, segment, 'sql' as metric, count(*) as fact
    from handovers
    group by handover_month, segment

    union all

    select paid_month, segment, 'revenue', sum(revenue_base)
    from payments
    where status = 'succeeded'
    group by paid_month, segment

),

facts as (

    select month, segment, metric, fact
    from facts_by_segment

    union all

    select month, 'all', metric, sum(fact)
    from facts_by_segment
    group by month, metric

),

plan_and_fact_keys as (

    select plan_month as month, segment, metric from plans
    union
    select month, segment, metric from facts

),

as_of_month as (

    select
        {{ month_start(as_of_date()) }} as month,
        {{ dbt.datediff(month_start(as_of_date()), as_of_date(), 'day') }} + 1 as days_elapsed,
        {{ dbt.datediff(
            month_start(as_of_date()),
            dbt.dateadd('month', 1, month_start(as_of_date())),
            'day'
        ) }} as days_in_month

),

compared as (

    select
        plan_and_fact_keys.month,
        plan_and_fact_keys.segment,
        plan_and_fact_keys.metric,
        plans.plan_value,
        -- a month that has begun has a fact, zero when nothing happened; a later one has none
        case
            when plan_and_fact_keys.month <= as_of_month.month then coalesce(facts.fact, 0)
        end as fact,
        as_of_month.month as as_of_month,
        as_of_month.days_elapsed,
        as_of_month.days_in_month

    from plan_and_fact_keys
    cross join as_of_month
    left join plans
        on plans.plan_month = plan_and_fact_keys.month
        and plans.segment = plan_and_fact_keys.segment
        and plans.metric = plan_and_fact_keys.metric
    left join facts
        on facts.month = plan_and_fact_keys.month
        and facts.segment = plan_and_fact_keys.segment
        and facts.metric = plan_and_fact_keys.metric

),

final as (

    select
        cast(month as date) as month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(round(plan_value, 2) as {{ type_decimal(2) }}) as plan_value,
        cast(round(fact, 2) as {{ type_decimal(2) }}) as fact,
        cast(round(100 * {{ safe_ratio('fact', 'plan_value') }}, 2) as {{ type_decimal(2) }})
            as pct_of_plan,
        cast(round(
            case
                when month < as_of_month then fact
                when month = as_of_month
                    then {{ safe_ratio('fact * days_in_month', 'days_elapsed') }}
            end,
            2
        ) as {{ type_decimal(2) }}) as run_rate_forecast

    from compared

)

select * from final
