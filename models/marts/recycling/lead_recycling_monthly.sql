{#- Month × channel × rejection reason: the SQLs sales rejected, counted in their handover
    month like every verdict (SPEC §2), and what became of them — handed over again, won
    later — beside the channel's rejection rate that month. -#}
with

rejections as (

    select * from {{ ref('int_rejections_followed') }}

),

handovers as (

    select * from {{ ref('fct_handovers') }}

),

channel_sqls as (

    select
        handover_month as month,
        channel,
        count(*) as sql_count,
        sum(case when is_rejected then 1 else 0 end) as rejected_count

    from handovers
    group by handover_month, channel

),

by_reason as (

    select
        handover_month as month,
        channel,
        rejection_reason,
        count(*) as rejected_count,
        sum(case when is_rehanded_over then 1 else 0 end) as rehanded_over_count,
        sum(case when is_won_later then 1 else 0 end) as won_later_count

    from rejections
    group by handover_month, channel, rejection_reason

),

final as (

    select
        cast(by_reason.month as date) as month,
        cast(by_reason.channel as {{ dbt.type_string() }}) as channel,
        cast(by_reason.rejection_reason as {{ dbt.type_string() }}) as rejection_reason,
        cast(by_reason.rejected_count as {{ dbt.type_bigint() }}) as rejected_count,
        cast(by_reason.rehanded_over_count as {{ dbt.type_bigint() }}) as rehanded_over_count,
        cast(by_reason.won_later_count as {{ dbt.type_bigint() }}) as won_later_count,
        cast(channel_sqls.sql_count as {{ dbt.type_bigint() }}) as channel_sql_count,
        cast(channel_sqls.rejected_count as {{ dbt.type_bigint() }}) as channel_rejected_count,
        cast(round({{ safe_ratio('channel_sqls.rejected_count', 'channel_sqls.sql_count') }}, 4) as {{ type_decimal(4) }})
            as channel_rejection_rate,
        cast(round({{ safe_ratio('by_reason.rejected_count', 'channel_sqls.rejected_count') }}, 4) as {{ type_decimal(4) }})
            as share_of_channel_rejections

    from by_reason
    inner join channel_sqls
        on channel_sqls.month = by_reason.month
        and channel_sqls.channel = by_reason.channel

)

select * from final
