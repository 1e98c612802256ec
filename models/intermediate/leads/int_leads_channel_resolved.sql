{#- One row per lead created on or before as_of, with its channel and reporting dates;
    contact details (e-mail, phone, company name) stay in staging; only their salted
    hashes go on.
    Channel: the first row of seeds/channel_map (by priority) whose utm_source and utm_medium
    match the lead's, compared lower-cased and trimmed; `*` matches anything, `(empty)`
    matches a missing value. The map ends in `*,*` → other, so every lead gets a channel. -#}
{{ updated_by_lead() }}
-- depends_on: {{ ref('int_leads_to_update') }}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}
    where {{ among_leads_to_update('lead_id') }}

),

channel_map as (

    select * from {{ ref('channel_map') }}

),

leads_in_scope as (

    select
        lead_id,
        created_at,
        {{ reporting_date('created_at') }} as created_date,
        segment,
        -- a missing value spelled as the map spells it: the literal value `(empty)` matches the
        -- same rows of the map as a missing one, so the two may share a key
        coalesce(lower(trim(utm_source)), '(empty)') as utm_source_key,
        coalesce(lower(trim(utm_medium)), '(empty)') as utm_medium_key,
        utm_source,
        utm_medium,
        utm_campaign,
        marketer_id,
        region,
        email_hash,
        phone_hash

    from leads

),

-- A lead's channel depends only on its pair of utm values: the map is matched once per pair
-- (dozens), not once per lead (millions), and the leads join their pair's channel on equality.
utm_pairs as (

    select distinct
        utm_source_key,
        utm_medium_key

    from leads_in_scope

),

pair_candidates as (

    select
        utm_pairs.utm_source_key,
        utm_pairs.utm_medium_key,
        channel_map.channel,
        row_number() over (
            partition by utm_pairs.utm_source_key, utm_pairs.utm_medium_key
            order by channel_map.priority
        ) as match_rank

    from utm_pairs
    inner join channel_map
        on (channel_map.utm_source = '*' or channel_map.utm_source = utm_pairs.utm_source_key)
        and (channel_map.utm_medium = '*' or channel_map.utm_medium = utm_pairs.utm_medium_key)

),

resolved as (

    select
        leads_in_scope.lead_id,
        leads_in_scope.created_at,
        leads_in_scope.created_date,
        {{ month_start('leads_in_scope.created_date') }} as created_month,
        leads_in_scope.segment,
        coalesce(pair_candidates.channel, 'other') as channel,
        leads_in_scope.utm_source,
        leads_in_scope.utm_medium,
        leads_in_scope.utm_campaign,
        leads_in_scope.marketer_id,
        leads_in_scope.region,
        leads_in_scope.email_hash,
        leads_in_scope.phone_hash

    from leads_in_scope
    left join pair_candidates
        on pair_candidates.utm_source_key = leads_in_scope.utm_source_key
        and pair_candidates.utm_medium_key = leads_in_scope.utm_medium_key
        and pair_candidates.match_rank = 1
    where leads_in_scope.created_date <= {{ as_of_date() }}

)

select * from resolved
