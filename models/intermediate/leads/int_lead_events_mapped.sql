{#- One row per lead event that happened on or before as_of, with its canonical stage.
    The CRM's own stage name goes through seeds/crm_stage_map, compared lower-cased and
    trimmed on both sides, so a map row typed " SQL " still matches. The join is a left
    join: an unmapped name keeps a NULL stage and fails this model's not_null test instead
    of silently losing the event. Events of leads missing from the export are kept here;
    the models that count leads decide what such an event is worth. -#}
{{ updated_by_lead() }}
-- depends_on: {{ ref('int_leads_to_update') }}
with

lead_events as (

    select * from {{ ref('stg_crm__lead_events') }}
    where {{ among_leads_to_update('lead_id') }}

),

crm_stage_map as (

    select * from {{ ref('crm_stage_map') }}

),

stages_mapped as (

    select
        lead_events.event_id,
        lead_events.lead_id,
        lead_events.crm_stage,
        crm_stage_map.stage,
        lead_events.occurred_at,
        {{ reporting_date('lead_events.occurred_at') }} as occurred_date,
        lead_events.user_id,
        lead_events.reason

    from lead_events
    left join crm_stage_map
        on lower(trim(crm_stage_map.crm_stage)) = lower(trim(lead_events.crm_stage))

),

final as (

    select * from stages_mapped
    -- a run as of a past date reproduces the funnel as it stood that day
    where occurred_date <= {{ as_of_date() }}

)

select * from final
