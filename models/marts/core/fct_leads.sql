{#- One row per lead created on or before as_of, with its channel and its way through the
    funnel: first MQL, handover and sales' verdict, first deal and first win. Contact
    details (e-mail, phone, company name) stay in staging: nothing downstream needs to
    reach a person, only the salted hashes that recognise one. -#}
{{ updated_by_lead() }}
-- depends_on: {{ ref('int_leads_to_update') }}
with

leads as (

    select * from {{ ref('int_leads_channel_resolved') }}
    where {{ among_leads_to_update('lead_id') }}

),

lead_events as (

    select * from {{ ref('int_lead_events_mapped') }}
    where {{ among_leads_to_update('lead_id') }}

),

handovers as (

    select * from {{ ref('int_leads_handed_over') }}
    where {{ among_leads_to_update('lead_id') }}

),

first_mqls as (

    select
        lead_id,
        min(occurred_at) as first_mql_at

    from lead_events
    where stage = 'mql'
    group by lead_id

),

final as (

    select
        leads.lead_id,
        leads.created_at,
        leads.created_date,
        leads.created_month,
        leads.segment,
        leads.channel,
        leads.marketer_id,
        leads.utm_source,
        leads.utm_medium,
        leads.utm_campaign,
        leads.email_hash,
        leads.phone_hash,
        first_mqls.first_mql_at,
        handovers.lead_id is not null as has_handover,
        handovers.handover_at,
        handovers.handover_date,
        handovers.handover_month,
        -- false rather than NULL for a lead never handed over: it was not handed over implicitly
        coalesce(handovers.is_implicit_handover, false) as is_implicit_handover,
        handovers.verdict,
        handovers.verdict_at,
        handovers.first_deal_id,
        handovers.first_deal_created_at,
        handovers.first_won_at

    from leads
    left join first_mqls
        on first_mqls.lead_id = leads.lead_id
    left join handovers
        on handovers.lead_id = leads.lead_id

)

select * from final
