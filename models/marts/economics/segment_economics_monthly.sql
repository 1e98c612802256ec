{#- Month × segment: what each segment brought and what it cost to acquire, every measure in
    its own month — leads by creation, SQLs by handover, won deals by close, revenue by
    payment. Spend is booked by channel, not by segment, so each channel's spend of a month
    (ads by spend day, other marketing costs by cost month) is split over segments in the
    proportion of that channel's leads created that month; a channel's spend in a month
    without any of its leads cannot be split and goes to segment `unknown`. -#}
with

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

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

marketing_costs as (

    select * from {{ ref('fct_marketing_costs_monthly') }}

),

channel_spend as (

    select
        month,
        channel,
        sum(spend) as spend

    from (
        select spend_month as month, channel, spend_base as spend from ad_spend
        union all
        select cost_month, channel, amount_base from marketing_costs
    ) as spend_lines
    group by month, channel

),

channel_lead_mix as (

    select
        created_month as month,
        channel,
        segment,
        count(*) as segment_leads,
        sum(count(*)) over (partition by created_month, channel) as channel_leads

    from leads
    group by created_month, channel, segment

),

spend_allocated as (

    select
        channel_spend.month,
        coalesce(channel_lead_mix.segment, 'unknown') as segment,
        case
            when channel_lead_mix.segment is null then channel_spend.spend
            else channel_spend.spend * channel_lead_mix.segment_leads / channel_lead_mix.channel_leads
        end as acquisition_cost

    from channel_spend
    left join channel_lead_mix
        on channel_lead_mix.month = channel_spend.month
        and channel_lead_mix.channel = channel_spend.channel

),

measures as (

    select
        created_month as month, segment, 1 as leads_created, 0 as sql_count, 0 as won_deals,
        cast(0 as {{ type_money() }}) as revenue, 0 as payments_count,
        cast(0 as {{ type_double() }}) as acquisition_cost
    from leads

    union all

    select handover_month, segment, 0, 1, 0, 0, 0, 0
    from handovers

    union all

    select closed_month, segment, 0, 0, 1, 0, 0, 0
    from deals
    where is_won

    union all

    select
        paid_month, segment, 0, 0, 0, revenue_base,
        case when payment_kind = 'payment' then 1 else 0 end, 0
    from payments
    where status = 'succeeded'

    union all

    select month, segment, 0, 0, 0, 0, 0, acquisition_cost
    from spend_allocated

),

summed as (

    select
        month,
        segment,
        sum(leads_created) as leads_created,
        sum(sql_count) as sql_count,
        sum(won_deals) as won_deals,
        sum(revenue) as revenue,
        sum(payments_count) as payments_count,
        sum(acquisition_cost) as acquisition_cost

    from measures
    group by month, segment

),

final as (

    select
        cast(month as date) as month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(leads_created as {{ dbt.type_bigint() }}) as leads_created,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(won_deals as {{ dbt.type_bigint() }}) as won_deals,
        cast(round(revenue, 2) as {{ type_decimal(2) }}) as revenue,
        cast(payments_count as {{ dbt.type_bigint() }}) as payments_count,
        cast(round({{ safe_ratio('revenue', 'payments_count') }}, 2) as {{ type_decimal(2) }}) as average_check,
        cast(round({{ safe_ratio('sql_count', 'leads_created') }}, 4) as {{ type_decimal(4) }}) as lead_to_sql_rate,
        cast(round({{ safe_ratio('won_deals', 'sql_count') }}, 4) as {{ type_decimal(4) }}) as sql_to_won_rate,
        cast({{ round_double('acquisition_cost', 2) }} as {{ type_decimal(2) }}) as acquisition_cost,
        cast(round({{ safe_ratio('acquisition_cost', 'sql_count') }}, 2) as {{ type_decimal(2) }}) as cost_per_sql,
        cast(round({{ safe_ratio('acquisition_cost', 'won_deals') }}, 2) as {{ type_decimal(2) }}) as cac

    from summed

)

select * from final
