{#- One row per payment or refund paid on or before as_of, in every status, converted to the
    base currency, with segment and channel through payment → deal → lead. A payment that
    cannot be traced to a lead is channel `unattributed`, segment `unknown`: still counted
    (SPEC §2). -#}
with

payments_converted as (

    select * from {{ ref('int_payments_converted') }}

),

deals_attributed as (

    select * from {{ ref('int_deals_attributed') }}

),

attributed as (

    select
        payments_converted.payment_id,
        payments_converted.deal_id,
        deals_attributed.lead_id,
        payments_converted.paid_at,
        payments_converted.paid_date,
        payments_converted.paid_month,
        payments_converted.status,
        payments_converted.payment_kind,
        payments_converted.amount,
        payments_converted.currency,
        payments_converted.fx_rate,
        payments_converted.amount_base,
        payments_converted.revenue_base,
        payments_converted.has_fx_rate,
        -- no deal, a deal unknown as of as_of, or a deal without a known lead
        coalesce(deals_attributed.segment, 'unknown') as segment,
        coalesce(deals_attributed.channel, 'unattributed') as channel,
        coalesce(deals_attributed.is_attributed, false) as is_attributed

    from payments_converted
    left join deals_attributed
        on deals_attributed.deal_id = payments_converted.deal_id

)

select * from attributed
