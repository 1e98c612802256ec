{#- The leads a daily run computes again in the lead-level models (macros/updated_by_lead.sql):

    - every lead named by any version of a CRM record that landed since the last build. Raw
      keeps every version, so a record that moved to another lead (an event or a deal of a
      merged lead) brings both the lead it left and the one it joined;
    - every lead with a row dated from the end of the last build's as_of on, which that build
      did not reach yet;
    - for an activity, also the lead of the deal it names, which is whose response it is.

    Empty when the run rebuilds the lead-level models in full, and on Spark, which always
    does. -#}
-- The branch below that reads them is not rendered when dbt parses, so the inputs are named here:
-- depends_on: {{ source('crm', 'leads') }}, {{ source('crm', 'lead_events') }}, {{ source('crm', 'deals') }}
-- depends_on: {{ source('crm', 'activities') }}, {{ ref('stg_crm__activities') }}, {{ ref('stg_crm__deals') }}
-- depends_on: {{ ref('stg_crm__leads') }}, {{ ref('stg_crm__lead_events') }}
{% set window = lead_changes_window() -%}
{% if window is none or target.type == 'spark' %}

select lead_id from {{ ref('stg_crm__leads') }}
where 1 = 0

{% else %}
{% set loaded_since = "cast('" ~ window.loaded_since ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
{% set dated_from = "cast('" ~ window.dated_from ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}

with

landed_leads as (

    {{ versions_landed_since(source('crm', 'leads'), 'lead_id', ['lead_id'], loaded_since) }}

),

landed_events as (

    {{ versions_landed_since(source('crm', 'lead_events'), 'event_id', ['lead_id'], loaded_since) }}

),

landed_deals as (

    {{ versions_landed_since(source('crm', 'deals'), 'deal_id', ['lead_id'], loaded_since) }}

),

landed_activities as (

    {{ versions_landed_since(source('crm', 'activities'), 'activity_id', ['lead_id', 'deal_id'], loaded_since) }}

),

dated_activities as (

    select
        lead_id,
        deal_id

    from {{ ref('stg_crm__activities') }}
    where occurred_at >= {{ dated_from }}

),

changed_activities as (

    select * from landed_activities
    union all
    select * from dated_activities

),

leads_changed as (

    select lead_id from landed_leads
    union all
    select lead_id from landed_events
    union all
    select lead_id from landed_deals
    union all
    select lead_id from changed_activities
    union all
    select deals.lead_id
    from changed_activities
    inner join {{ ref('stg_crm__deals') }} as deals
        on deals.deal_id = changed_activities.deal_id
    union all
    select lead_id from {{ ref('stg_crm__leads') }}
    where created_at >= {{ dated_from }}
    union all
    select lead_id from {{ ref('stg_crm__lead_events') }}
    where occurred_at >= {{ dated_from }}
    union all
    select lead_id from {{ ref('stg_crm__deals') }}
    where created_at >= {{ dated_from }}
        or closed_at >= {{ dated_from }}

)

select distinct lead_id
from leads_changed
where lead_id is not null
    and lead_id <> ''

{%- endif %}
