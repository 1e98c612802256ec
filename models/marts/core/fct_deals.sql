{#- One row per deal created on or before as_of, with its status as of as_of, its reporting
    days and months, and the channel and segment of its lead (`unattributed` / `unknown` when
    it cannot be traced to one). -#}
with

deals_attributed as (

    select * from {{ ref('int_deals_attributed') }}

),

final as (

    select
        deal_id,
        lead_id,
        owner_id,
        created_at,
        created_date,
        created_month,
        status,
        closed_at,
        closed_date,
        closed_month,
        is_won,
        is_lost,
        amount,
        currency,
        lost_reason,
        segment,
        channel,
        is_attributed

    from deals_attributed

)

select * from final
