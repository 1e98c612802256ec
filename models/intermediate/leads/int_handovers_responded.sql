{#- One row per SQL with sales' first response to it: the earliest activity by a user of the
    sales team on the lead, or on any of the lead's deals, at or after the handover time and
    on or before as_of. An activity by a marketer, or one logged before the handover, is no
    response. The SLA mart compares the hours it took with the segment's target.

    Nothing here depends on as_of but what is dated after it, so a daily run updates only
    the SQLs whose rows changed; how long an unanswered SQL has waited is the mart's. -#}
{{ updated_by_lead() }}
-- depends_on: {{ ref('int_leads_to_update') }}
with

handovers as (

    select * from {{ ref('int_leads_handed_over') }}
    where {{ among_leads_to_update('lead_id') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

sales_activities as (

    select
        activities.activity_id,
        activities.lead_id,
        activities.deal_id,
        activities.user_id,
        activities.occurred_at

    from activities
    inner join users
        on users.user_id = activities.user_id
    where users.team = 'sales'
        and {{ reporting_date('activities.occurred_at') }} <= {{ as_of_date() }}

),

activities_by_lead as (

    -- an activity may name the lead, its deal, or both; it counts once per lead
    select
        sales_activities.activity_id,
        coalesce(deals.lead_id, sales_activities.lead_id) as lead_id,
        sales_activities.user_id,
        sales_activities.occurred_at

    from sales_activities
    left join deals
        on deals.deal_id = sales_activities.deal_id
    where {{ among_leads_to_update('coalesce(deals.lead_id, sales_activities.lead_id)') }}

    union

    select
        activity_id,
        lead_id,
        user_id,
        occurred_at

    from sales_activities
    where lead_id is not null
        and {{ among_leads_to_update('lead_id') }}

),

responses_ranked as (

    select
        handovers.lead_id,
        activities_by_lead.activity_id,
        activities_by_lead.user_id,
        activities_by_lead.occurred_at,
        row_number() over (
            partition by handovers.lead_id
            order by activities_by_lead.occurred_at, activities_by_lead.activity_id
        ) as response_sequence

    from handovers
    inner join activities_by_lead
        on activities_by_lead.lead_id = handovers.lead_id
        and activities_by_lead.occurred_at >= handovers.handover_at

),

final as (

    select
        handovers.lead_id,
        handovers.handover_at,
        handovers.handover_month,
        handovers.segment,
        handovers.channel,
        responses_ranked.activity_id as first_response_activity_id,
        responses_ranked.user_id as first_response_user_id,
        responses_ranked.occurred_at as first_response_at,
        {{ hours_between('handovers.handover_at', 'responses_ranked.occurred_at') }} as response_hours

    from handovers
    left join responses_ranked
        on responses_ranked.lead_id = handovers.lead_id
        and responses_ranked.response_sequence = 1

)

select * from final
