{#- One row per deal created on or before as_of, as it stood on as_of, with the channel and
    segment of its lead. A deal closed after as_of was still open that day. A deal that
    cannot be traced to a lead (none given, or one not known as of as_of) is channel
    `unattributed`, segment `unknown`: reported, never dropped (SPEC §2). -#}
with

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

leads_channel_resolved as (

    select * from {{ ref('int_leads_channel_resolved') }}

),

deals_dated as (

    select
        deal_id,
        lead_id,
        owner_id,
        created_at,
        {{ reporting_date('created_at') }} as created_date,
        status,
        closed_at,
        {{ reporting_date('closed_at') }} as closed_date,
        amount,
        currency,
        lost_reason

    from deals

),

deals_as_of as (

    select
        deal_id,
        lead_id,
        owner_id,
        created_at,
        created_date,
        -- the CRM exports today's status; a close after as_of had not happened yet
        case
            when closed_date > {{ as_of_date() }} then 'open'
            else status
        end as status,
        closed_at,
        closed_date,
        amount,
        upper(currency) as currency,
        lost_reason

    from deals_dated
    -- a deal created after as_of did not exist yet
    where created_date <= {{ as_of_date() }}

),

closes_as_of as (

    select
        deal_id,
        lead_id,
        owner_id,
        created_at,
        created_date,
        status,
        -- only a won or lost deal has a close; an open one (reopened, or closed after
        -- as_of) has none, so that it never counts in a month's won or lost deals
        case when status in ('won', 'lost') then closed_at end as closed_at,
        case when status in ('won', 'lost') then closed_date end as closed_date,
        amount,
        currency,
        case when status = 'lost' then lost_reason end as lost_reason

    from deals_as_of

),

attributed as (

    select
        closes_as_of.deal_id,
        closes_as_of.lead_id,
        closes_as_of.owner_id,
        closes_as_of.created_at,
        closes_as_of.created_date,
        {{ month_start('closes_as_of.created_date') }} as created_month,
        closes_as_of.status,
        closes_as_of.closed_at,
        closes_as_of.closed_date,
        {{ month_start('closes_as_of.closed_date') }} as closed_month,
        closes_as_of.status = 'won' as is_won,
        closes_as_of.status = 'lost' as is_lost,
        closes_as_of.amount,
        closes_as_of.currency,
        closes_as_of.lost_reason,
        coalesce(leads_channel_resolved.segment, 'unknown') as segment,
        coalesce(leads_channel_resolved.channel, 'unattributed') as channel,
        leads_channel_resolved.lead_id is not null as is_attributed

    from closes_as_of
    left join leads_channel_resolved
        on leads_channel_resolved.lead_id = closes_as_of.lead_id

)

select * from attributed
