{#- One row per SQL with the sales manager it was handed to. The CRM does not record the
    recipient of a handover, so it is read from what sales did with it: the user who gave
    sales' first verdict, else the owner of the lead's first deal; `unassigned` when neither
    exists yet. -#}
{{ updated_by_lead() }}
-- depends_on: {{ ref('int_leads_to_update') }}
with

handovers as (

    select * from {{ ref('int_leads_handed_over') }}
    where {{ among_leads_to_update('lead_id') }}

),

lead_events as (

    select * from {{ ref('int_lead_events_mapped') }}
    where {{ among_leads_to_update('lead_id') }}

),

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

assigned as (

    select
        handovers.lead_id,
        handovers.handover_at,
        handovers.handover_month,
        handovers.verdict,
        verdict_events.user_id as verdict_user_id,
        first_deals.owner_id as first_deal_owner_id,
        coalesce(verdict_events.user_id, first_deals.owner_id, 'unassigned') as manager_id,
        handovers.segment,
        handovers.channel

    from handovers
    left join lead_events as verdict_events
        on verdict_events.event_id = handovers.verdict_event_id
    left join deals as first_deals
        on first_deals.deal_id = handovers.first_deal_id

)

select * from assigned
