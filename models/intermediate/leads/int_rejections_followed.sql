{#- One row per rejected SQL — a lead whose first verdict after its handover is `rejected` —
    with what became of it: whether marketing handed it over again and whether a deal of the
    lead was won after the rejection (closed on or before as_of). The rejection reason is the
    one logged with the verdict, lower-cased and trimmed; none is `unspecified`. -#}
with

handovers as (

    select * from {{ ref('int_leads_handed_over') }}

),

deals as (

    select * from {{ ref('int_deals_attributed') }}

),

rejections as (

    select
        lead_id,
        handover_at,
        handover_month,
        verdict_at as rejected_at,
        coalesce(lower(trim(verdict_reason)), 'unspecified') as rejection_reason,
        rehandover_count,
        segment,
        channel,
        marketer_id

    from handovers
    where verdict = 'rejected'

),

wins_after_rejection as (

    select
        rejections.lead_id,
        min(deals.closed_at) as won_after_rejection_at

    from rejections
    inner join deals
        on deals.lead_id = rejections.lead_id
        and deals.is_won
        and deals.closed_at >= rejections.rejected_at
    group by rejections.lead_id

),

final as (

    select
        rejections.lead_id,
        rejections.handover_at,
        rejections.handover_month,
        rejections.rejected_at,
        rejections.rejection_reason,
        rejections.rehandover_count > 0 as is_rehanded_over,
        wins_after_rejection.won_after_rejection_at,
        wins_after_rejection.lead_id is not null as is_won_later,
        rejections.segment,
        rejections.channel,
        rejections.marketer_id

    from rejections
    left join wins_after_rejection
        on wins_after_rejection.lead_id = rejections.lead_id

)

select * from final
