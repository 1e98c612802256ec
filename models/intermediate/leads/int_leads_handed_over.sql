{#- One row per lead handed over to sales on or before as_of: one SQL, once (SPEC §2).

    Handover: the lead's earliest `sql` event; a lead with a deal but no `sql` event was
    handed over implicitly when its earliest deal was created. Only leads created on or
    before as_of count: an event or a deal of a lead missing from the export (or created
    after as_of) is no SQL, the event model keeps it for the data tests to report.

    Verdict: the first `accepted` or `rejected` event at or after the handover time. "At"
    is included because CRMs often stamp a handover and sales' immediate answer with the
    same second; at equal times the handover is taken to come first. A rejected lead that
    marketing hands over again stays one SQL with its first verdict; the re-handovers are
    counted beside it for recycling analyses.

    The lead's deal milestones (first deal, first win) are derived here too, because this is
    where the lead side reads deals: every lead with a deal is handed over, so the table
    holds them all. -#}
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

deals as (

    select * from {{ ref('stg_crm__deals') }}
    where {{ among_leads_to_update('lead_id') }}

),

deals_in_scope as (

    select
        deal_id,
        lead_id,
        created_at,
        status,
        closed_at,
        row_number() over (
            partition by lead_id
            order by created_at, deal_id
        ) as deal_sequence

    from deals
    where lead_id is not null
        -- a deal created after as_of did not exist yet on the reporting date
        and {{ reporting_date('created_at') }} <= {{ as_of_date() }}

),

first_deals as (

    select
        lead_id,
        deal_id as first_deal_id,
        created_at as first_deal_created_at

    from deals_in_scope
    where deal_sequence = 1

),

first_wins as (

    select
        lead_id,
        min(closed_at) as first_won_at

    from deals_in_scope
    where status = 'won'
        -- a deal closed after as_of was not won yet on the reporting date
        and {{ reporting_date('closed_at') }} <= {{ as_of_date() }}
    group by lead_id

),

sql_events_ranked as (

    select
        lead_id,
        event_id,
        occurred_at,
        row_number() over (
            partition by lead_id
            order by occurred_at, event_id
        ) as sql_event_sequence

    from lead_events
    where stage = 'sql'

),

first_sql_events as (

    select
        lead_id,
        event_id,
        occurred_at

    from sql_events_ranked
    where sql_event_sequence = 1

),

handovers_derived as (

    select
        leads.lead_id,
        coalesce(first_sql_events.occurred_at, first_deals.first_deal_created_at) as handover_at,
        first_sql_events.event_id is null as is_implicit_handover,
        first_sql_events.event_id as handover_event_id,
        case
            when first_sql_events.event_id is null then first_deals.first_deal_id
        end as handover_deal_id,
        leads.created_at,
        leads.created_date,
        leads.created_month,
        leads.segment,
        leads.channel,
        leads.marketer_id,
        first_deals.first_deal_id,
        first_deals.first_deal_created_at

    from leads
    left join first_sql_events
        on first_sql_events.lead_id = leads.lead_id
    left join first_deals
        on first_deals.lead_id = leads.lead_id
    where first_sql_events.event_id is not null
        or first_deals.first_deal_id is not null

),

funnel_events_since_handover as (

    select
        lead_events.lead_id,
        lead_events.event_id,
        lead_events.stage,
        lead_events.occurred_at,
        lead_events.reason,
        -- at equal times a handover precedes the verdict on it
        case when lead_events.stage = 'sql' then 0 else 1 end as stage_precedence

    from lead_events
    inner join handovers_derived
        on handovers_derived.lead_id = lead_events.lead_id
    where lead_events.stage in ('sql', 'accepted', 'rejected')
        and lead_events.occurred_at >= handovers_derived.handover_at

),

verdicts_ranked as (

    select
        lead_id,
        event_id,
        stage,
        occurred_at,
        reason,
        row_number() over (
            partition by lead_id
            order by occurred_at, event_id
        ) as verdict_sequence

    from funnel_events_since_handover
    where stage in ('accepted', 'rejected')

),

first_verdicts as (

    select
        lead_id,
        event_id as verdict_event_id,
        stage as verdict,
        occurred_at as verdict_at,
        reason as verdict_reason

    from verdicts_ranked
    where verdict_sequence = 1

),

funnel_events_sequenced as (

    select
        lead_id,
        event_id,
        stage,
        lag(stage) over (
            partition by lead_id
            order by occurred_at, stage_precedence, event_id
        ) as previous_stage

    from funnel_events_since_handover

),

rehandovers_counted as (

    -- a re-handover is an `sql` event that answers a rejection; repeated `sql` events
    -- without a rejection in between are the same handover logged twice
    select
        lead_id,
        sum(
            case when stage = 'sql' and previous_stage = 'rejected' then 1 else 0 end
        ) as rehandover_count

    from funnel_events_sequenced
    group by lead_id

),

final as (

    select
        handovers_derived.lead_id,
        handovers_derived.handover_at,
        {{ reporting_date('handovers_derived.handover_at') }} as handover_date,
        {{ month_start(reporting_date('handovers_derived.handover_at')) }} as handover_month,
        handovers_derived.is_implicit_handover,
        handovers_derived.handover_event_id,
        handovers_derived.handover_deal_id,
        first_verdicts.verdict,
        first_verdicts.verdict_at,
        first_verdicts.verdict_event_id,
        first_verdicts.verdict_reason,
        cast(coalesce(rehandovers_counted.rehandover_count, 0) as {{ dbt.type_bigint() }}) as rehandover_count,
        handovers_derived.created_at,
        handovers_derived.created_date,
        handovers_derived.created_month,
        handovers_derived.segment,
        handovers_derived.channel,
        handovers_derived.marketer_id,
        handovers_derived.first_deal_id,
        handovers_derived.first_deal_created_at,
        first_wins.first_won_at

    from handovers_derived
    left join first_verdicts
        on first_verdicts.lead_id = handovers_derived.lead_id
    left join rehandovers_counted
        on rehandovers_counted.lead_id = handovers_derived.lead_id
    left join first_wins
        on first_wins.lead_id = handovers_derived.lead_id

)

select * from final
