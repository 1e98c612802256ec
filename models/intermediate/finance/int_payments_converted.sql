{#- One row per payment or refund paid on or before as_of (any status), dated in the
    reporting time zone and converted to the base currency at the rate of its paid day, or the
    latest earlier rate. Without a usable rate the amount in the base currency stays NULL —
    a blocking error downstream, never a zero. -#}
with

payments as (

    select * from {{ ref('stg_payments__payments') }}

),

fx_rates_ranged as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

payments_dated as (

    select
        payment_id,
        deal_id,
        paid_at,
        -- revenue counts on the day the money arrived as the reporting time zone sees it
        {{ reporting_date('paid_at') }} as paid_date,
        status,
        payment_kind,
        amount,
        upper(currency) as currency

    from payments

),

payments_as_of as (

    select
        payment_id,
        deal_id,
        paid_at,
        paid_date,
        {{ month_start('paid_date') }} as paid_month,
        status,
        payment_kind,
        amount,
        currency

    from payments_dated
    -- a run as of a past date reproduces the numbers as they stood that day
    where paid_date <= {{ as_of_date() }}

),

converted as (

    select
        payments_as_of.payment_id,
        payments_as_of.deal_id,
        payments_as_of.paid_at,
        payments_as_of.paid_date,
        payments_as_of.paid_month,
        payments_as_of.status,
        payments_as_of.payment_kind,
        payments_as_of.amount,
        payments_as_of.currency,
        fx_rates_ranged.rate_to_base as fx_rate,
        {{ to_base_currency('payments_as_of.amount', 'fx_rates_ranged.rate_to_base') }} as amount_base,
        fx_rates_ranged.rate_to_base is not null as has_fx_rate

    from payments_as_of
    left join fx_rates_ranged
        on {{ fx_rate_applies('fx_rates_ranged', 'payments_as_of.currency', 'payments_as_of.paid_date') }}

),

revenue_signed as (

    select
        payment_id,
        deal_id,
        paid_at,
        paid_date,
        paid_month,
        status,
        payment_kind,
        amount,
        currency,
        fx_rate,
        amount_base,
        -- cash: money in adds, money back subtracts, each in its own month; anything that
        -- did not succeed moves no money (NULL stays NULL when a succeeded row has no rate)
        -- cast as a whole: PostgreSQL's negation drops the money type's scale
        cast(
            case
                when status = 'succeeded' and payment_kind = 'payment' then amount_base
                when status = 'succeeded' and payment_kind = 'refund' then -amount_base
                else 0
            end
            as {{ type_money() }}
        ) as revenue_base,
        has_fx_rate

    from converted

)

select * from revenue_signed
