{#- Month × segment × channel: revenue as cash, counted in the month each payment or refund
    was paid (SPEC §2), in the base currency. Only succeeded rows count, so a month where a
    segment and channel had nothing but failed or pending payments has no row. Money is
    rounded to cents here, and only here. -#}
with

payments as (

    select * from {{ ref('fct_payments') }}

),

succeeded_payments as (

    select
        paid_month,
        segment,
        channel,
        payment_kind,
        amount_base,
        revenue_base

    from payments
    where status = 'succeeded'

),

summed as (

    select
        paid_month,
        segment,
        channel,
        -- refunds are already negative in revenue_base, in their own month
        sum(revenue_base) as revenue,
        sum(case when payment_kind = 'payment' then 1 else 0 end) as payments_count,
        sum(case when payment_kind = 'refund' then amount_base else 0 end) as refunds_amount

    from succeeded_payments
    group by paid_month, segment, channel

),

final as (

    select
        cast(paid_month as date) as month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(round(revenue, 2) as {{ type_decimal(2) }}) as revenue,
        cast(payments_count as {{ dbt.type_bigint() }}) as payments_count,
        cast(round(refunds_amount, 2) as {{ type_decimal(2) }}) as refunds_amount

    from summed

)

select * from final
