{#- One row per SQL: a lead handed over to sales on or before as_of, once, with sales'
    first verdict and the lead's segment, channel and creation dates, so that the same SQLs
    can be counted by handover month (the rule) and by creation month (legacy). -#}
with

handovers as (

    select * from {{ ref('int_leads_handed_over') }}

),

final as (

    select
        lead_id,
        handover_at,
        handover_date,
        handover_month,
        is_implicit_handover,
        verdict,
        verdict_at,
        verdict_reason,
        coalesce(verdict = 'accepted', false) as is_accepted,
        coalesce(verdict = 'rejected', false) as is_rejected,
        rehandover_count,
        segment,
        channel,
        marketer_id,
        created_at,
        created_date,
        created_month

    from handovers

)

select * from final
