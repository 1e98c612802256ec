{#- One row per lead and funnel stage it reached on or before as_of: lead (created), mql,
    sql (handed over), accepted, won — with when it got there and how long the step from the
    stage before took.

    A stage skipped in the CRM is reached at the next stage's time, so the funnel never
    narrows the wrong way (each stage's leads are among the previous stage's):
    - mql: the earliest `mql` event, or the handover when that comes first or there is no
      `mql` event (a lead handed over without one was qualified when it was handed over);
    - sql: the handover of SPEC §2, implicit handovers included;
    - accepted: sales' first verdict when it is `accepted`; otherwise the creation of the
      lead's first deal (sales working a deal took the lead), not before the handover;
    - won: the lead's first won deal, closed on or before as_of. -#}
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

milestones as (

    select
        leads.lead_id,
        leads.created_at,
        leads.created_month,
        leads.segment,
        leads.channel,
        case
            when handovers.handover_at is null then first_mqls.first_mql_at
            when first_mqls.first_mql_at is null then handovers.handover_at
            when first_mqls.first_mql_at < handovers.handover_at then first_mqls.first_mql_at
            else handovers.handover_at
        end as mql_at,
        handovers.handover_at as sql_at,
        case
            when handovers.verdict = 'accepted' then handovers.verdict_at
            when handovers.first_deal_created_at is null then null
            when handovers.first_deal_created_at < handovers.handover_at then handovers.handover_at
            else handovers.first_deal_created_at
        end as accepted_at,
        handovers.first_won_at as won_at

    from leads
    left join first_mqls
        on first_mqls.lead_id = leads.lead_id
    left join handovers
        on handovers.lead_id = leads.lead_id

),

stages_unpivoted as (

    select
        lead_id, created_month, segment, channel,
        'lead' as stage, 1 as stage_rank, created_at as reached_at, cast(null as {{ dbt.type_timestamp() }}) as previous_reached_at
    from milestones

    union all

    select
        lead_id, created_month, segment, channel,
        'mql', 2, mql_at, created_at
    from milestones
    where mql_at is not null

    union all

    select
        lead_id, created_month, segment, channel,
        'sql', 3, sql_at, mql_at
    from milestones
    where sql_at is not null

    union all

    select
        lead_id, created_month, segment, channel,
        'accepted', 4, accepted_at, sql_at
    from milestones
    where accepted_at is not null

    union all

    select
        lead_id, created_month, segment, channel,
        'won', 5, won_at, accepted_at
    from milestones
    where won_at is not null

),

final as (

    select
        lead_id,
        stage,
        stage_rank,
        reached_at,
        {{ reporting_date('reached_at') }} as reached_date,
        {{ month_start(reporting_date('reached_at')) }} as reached_month,
        previous_reached_at,
        {{ days_between('previous_reached_at', 'reached_at') }} as days_from_previous_stage,
        created_month,
        segment,
        channel

    from stages_unpivoted

)

select * from final
