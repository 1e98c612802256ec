{#- Day: how much of the day's data the marts can attribute — leads with a known channel,
    payments traced to a lead, spend whose campaign the leads' utm_campaign names — and, on
    the as_of day, the rows ingestion quarantined per entity. The quarantine is rewritten
    on every load, so it describes the landing set of this run, not a day in the past: its
    counts sit on the as_of day and are NULL on earlier days (not known), never 0. -#}
with

leads as (

    select * from {{ ref('fct_leads') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

quarantine as (

    select * from {{ ref('stg_ingestion__quarantine') }}

),

lead_campaigns as (

    select distinct lower(trim(utm_campaign)) as campaign
    from leads
    where utm_campaign is not null

),

spend_matched as (

    select
        ad_spend.spend_date,
        ad_spend.spend_base,
        -- uncorrelated `in` lists: PostgreSQL hashes each once, where a correlated `exists`
        -- with an `or` re-read every lead for each spend row, and Spark 4's optimizer fails on
        -- that `exists` (PushProjectionThroughUnion) when its input is a union
        case
            when
                lower(trim(ad_spend.campaign_id)) in (
                    select lead_campaigns.campaign from lead_campaigns
                )
                or lower(trim(ad_spend.campaign_name)) in (
                    select lead_campaigns.campaign from lead_campaigns
                )
                then ad_spend.spend_base
            else cast(0 as {{ type_money() }})
        end as matched_spend_base

    from ad_spend

),

measures as (

    select
        created_date as date_day,
        1 as leads_created,
        -- `other`: utm fields present that the channel map does not know
        case when channel <> 'other' then 1 else 0 end as leads_with_known_channel,
        0 as payments_count,
        0 as payments_traced,
        cast(0 as {{ type_money() }}) as spend,
        cast(0 as {{ type_money() }}) as matched_spend

    from leads

    union all

    select paid_date, 0, 0, 1, case when is_attributed then 1 else 0 end, 0, 0
    from payments
    where status = 'succeeded'

    union all

    select spend_date, 0, 0, 0, 0, spend_base, matched_spend_base
    from spend_matched

    union all

    -- the quarantine belongs to the as_of day, even with nothing else to count
    select {{ as_of_date() }}, 0, 0, 0, 0, 0, 0

),

summed as (

    select
        date_day,
        sum(leads_created) as leads_created,
        sum(leads_with_known_channel) as leads_with_known_channel,
        sum(payments_count) as payments_count,
        sum(payments_traced) as payments_traced,
        sum(spend) as spend,
        sum(matched_spend) as matched_spend

    from measures
    where date_day <= {{ as_of_date() }}
    group by date_day

),

quarantine_counts as (

    select
        {{ as_of_date() }} as date_day,
        -- coalesce: a sum over no row at all is NULL, and a clean run has no row
        {%- for entity in landing_entities() %}
        coalesce(sum(case when entity = '{{ entity }}' then 1 else 0 end), 0) as quarantined_{{ entity | replace('/', '_') }},
        {%- endfor %}
        count(*) as quarantined_rows

    from quarantine

),

final as (

    select
        cast(summed.date_day as date) as date_day,
        cast(summed.leads_created as {{ dbt.type_bigint() }}) as leads_created,
        cast(round({{ safe_ratio('summed.leads_with_known_channel', 'summed.leads_created') }}, 4) as {{ type_decimal(4) }})
            as known_channel_share,
        cast(summed.payments_count as {{ dbt.type_bigint() }}) as payments_count,
        cast(round({{ safe_ratio('summed.payments_traced', 'summed.payments_count') }}, 4) as {{ type_decimal(4) }})
            as traced_payment_share,
        cast(round(summed.spend, 2) as {{ type_decimal(2) }}) as spend,
        cast(round({{ safe_ratio('summed.matched_spend', 'summed.spend') }}, 4) as {{ type_decimal(4) }})
            as campaign_matched_spend_share,
        {%- for entity in landing_entities() %}
        cast(quarantine_counts.quarantined_{{ entity | replace('/', '_') }} as {{ dbt.type_bigint() }})
            as quarantined_{{ entity | replace('/', '_') }},
        {%- endfor %}
        cast(quarantine_counts.quarantined_rows as {{ dbt.type_bigint() }}) as quarantined_rows

    from summed
    left join quarantine_counts
        on quarantine_counts.date_day = summed.date_day

)

select * from final
