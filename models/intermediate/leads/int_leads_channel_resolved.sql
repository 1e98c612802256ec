{#- One row per lead created on or before as_of, with its channel and reporting dates;
    contact details (e-mail, phone, company name) stay in staging; only their salted
    hashes go on.
    Channel: the first row of seeds/channel_map (by priority) whose utm_source and utm_medium
    match the lead's, compared lower-cased and trimmed; `*` matches anything, `(empty)`
    matches a missing value. The map ends in `*,*` → other, so every lead gets a channel. -#}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

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
        lower(trim(utm_source)) as utm_source_normalized,
        lower(trim(utm_medium)) as utm_medium_normalized,
        utm_source,
        utm_medium,
        utm_campaign,
        marketer_id,
        region,
        email_hash,
        phone_hash

    from leads

),

channel_candidates as (

    select
        leads_in_scope.lead_id,
        channel_map.channel,
        row_number() over (
            partition by leads_in_scope.lead_id
            order by channel_map.priority
        ) as match_rank

    from leads_in_scope
    inner join channel_map
        on (
            channel_map.utm_source = '*'
            or (channel_map.utm_source = '(empty)' and leads_in_scope.utm_source_normalized is null)
            or channel_map.utm_source = leads_in_scope.utm_source_normalized
        )
        and (
            channel_map.utm_medium = '*'
            or (channel_map.utm_medium = '(empty)' and leads_in_scope.utm_medium_normalized is null)
            or channel_map.utm_medium = leads_in_scope.utm_medium_normalized
        )

),

resolved as (

    select
        leads_in_scope.lead_id,
        leads_in_scope.created_at,
        leads_in_scope.created_date,
        {{ month_start('leads_in_scope.created_date') }} as created_month,
        leads_in_scope.segment,
        coalesce(channel_candidates.channel, 'other') as channel,
        leads_in_scope.utm_source,
        leads_in_scope.utm_medium,
        leads_in_scope.utm_campaign,
        leads_in_scope.marketer_id,
        leads_in_scope.region,
        leads_in_scope.email_hash,
        leads_in_scope.phone_hash

    from leads_in_scope
    left join channel_candidates
        on channel_candidates.lead_id = leads_in_scope.lead_id
        and channel_candidates.match_rank = 1
    where leads_in_scope.created_date <= {{ as_of_date() }}

)

select * from resolved
