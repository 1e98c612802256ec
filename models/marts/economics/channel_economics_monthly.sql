{#- Month × channel: what each channel cost and brought, every measure in its own month —
    spend by spend day, leads by creation, SQLs by handover, won deals by close, revenue by
    payment. Ratios are NULL where their divisor is zero. -#}
with

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

marketing_costs as (

    select * from {{ ref('fct_marketing_costs_monthly') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

handovers as (

    select * from {{ ref('fct_handovers') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

measures as (

    select
        spend_month as month, channel, spend_base as spend, 0 as leads_created,
        0 as sql_count, 0 as won_deals, 0 as revenue
    from ad_spend

    union all

    select cost_month, channel, amount_base, 0, 0, 0, 0
    from marketing_costs

    union all

    select created_month, channel, 0, 1, 0, 0, 0
    from leads

    union all

    select handover_month, channel, 0, 0, 1, 0, 0
    from handovers

    union all

    select closed_month, channel, 0, 0, 0, 1, 0
    from deals
    where is_won

    union all

    select paid_month, channel, 0, 0, 0, 0, revenue_base
    from payments
    where status = 'succeeded'

),

summed as (

    select
        month,
        channel,
        sum(spend) as spend,
        sum(leads_created) as leads_created,
        sum(sql_count) as sql_count,
        sum(won_deals) as won_deals,
        sum(revenue) as revenue

    from measures
    group by month, channel

),

final as (

    select
        cast(month as date) as month,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(round(spend, 2) as {{ type_decimal(2) }}) as spend,
        cast(leads_created as {{ dbt.type_bigint() }}) as leads_created,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(won_deals as {{ dbt.type_bigint() }}) as won_deals,
        cast(round(revenue, 2) as {{ type_decimal(2) }}) as revenue,
        cast(round({{ safe_ratio('spend', 'leads_created') }}, 2) as {{ type_decimal(2) }}) as cpl,
        cast(round({{ safe_ratio('spend', 'sql_count') }}, 2) as {{ type_decimal(2) }}) as cost_per_sql,
        cast(round({{ safe_ratio('spend', 'won_deals') }}, 2) as {{ type_decimal(2) }}) as cac,
        cast(round({{ safe_ratio('revenue - spend', 'spend') }}, 4) as {{ type_decimal(4) }}) as romi

    from summed

)

select * from final
