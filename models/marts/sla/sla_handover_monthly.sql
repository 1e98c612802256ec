{#- Month × segment: how fast sales answered the SQLs handed over in the month, against the
    segment's response target (seeds/sla_targets.csv). An SQL is within the SLA when sales'
    first activity came within the target hours; it is a breach when the answer came later,
    or when there was none by the end of as_of and the target had passed by then. An SQL
    still unanswered but inside its target is pending, neither. -#}
with

handovers_responded as (

    select * from {{ ref('int_handovers_responded') }}

),

sla_targets as (

    select * from {{ ref('sla_targets') }}

),

handovers_waiting as (

    select
        handovers_responded.*,
        -- hours from the handover to the end of as_of, where an unanswered SQL stands
        {{ hours_between(
            to_reporting_time('handovers_responded.handover_at'),
            'cast(' ~ dbt.dateadd('day', 1, as_of_date()) ~ ' as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as hours_open_at_as_of

    from handovers_responded

),

judged as (

    select
        handovers_waiting.handover_month,
        handovers_waiting.segment,
        handovers_waiting.response_hours,
        sla_targets.response_hours as target_hours,
        case
            when handovers_waiting.first_response_at is not null then 1 else 0
        end as is_responded,
        case
            when handovers_waiting.response_hours <= sla_targets.response_hours then 1 else 0
        end as is_within_sla,
        case
            when handovers_waiting.response_hours > sla_targets.response_hours then 1 else 0
        end as is_late_response,
        case
            when handovers_waiting.first_response_at is null
                and handovers_waiting.hours_open_at_as_of > sla_targets.response_hours
                then 1
            else 0
        end as is_unanswered_breach,
        case
            when handovers_waiting.first_response_at is null
                and handovers_waiting.hours_open_at_as_of <= sla_targets.response_hours
                then 1
            else 0
        end as is_pending

    from handovers_waiting
    left join sla_targets
        on sla_targets.segment = handovers_waiting.segment

),

aggregated as (

    select
        handover_month as month,
        segment,
        max(target_hours) as response_target_hours,
        count(*) as handover_count,
        sum(is_responded) as responded_count,
        {{ percentile_cont('response_hours', 0.5) }} as median_response_hours,
        {{ percentile_cont('response_hours', 0.9) }} as p90_response_hours,
        sum(is_within_sla) as within_sla_count,
        sum(is_late_response) + sum(is_unanswered_breach) as breach_count,
        sum(is_unanswered_breach) as unanswered_breach_count,
        sum(is_pending) as pending_count

    from judged
    group by handover_month, segment

),

final as (

    select
        cast(month as date) as month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(handover_count as {{ dbt.type_bigint() }}) as handover_count,
        cast(responded_count as {{ dbt.type_bigint() }}) as responded_count,
        cast({{ round_double('median_response_hours', 2) }} as {{ type_decimal(2) }}) as median_response_hours,
        cast({{ round_double('p90_response_hours', 2) }} as {{ type_decimal(2) }}) as p90_response_hours,
        cast(response_target_hours as {{ type_decimal(2) }}) as response_target_hours,
        -- without a target for the segment nothing can be judged
        cast(case when response_target_hours is not null then within_sla_count end as {{ dbt.type_bigint() }}) as within_sla_count,
        cast(case when response_target_hours is not null then breach_count end as {{ dbt.type_bigint() }}) as breach_count,
        cast(case when response_target_hours is not null then unanswered_breach_count end as {{ dbt.type_bigint() }}) as unanswered_breach_count,
        cast(case when response_target_hours is not null then pending_count end as {{ dbt.type_bigint() }}) as pending_count,
        cast(round({{ safe_ratio('within_sla_count', 'within_sla_count + breach_count') }}, 4) as {{ type_decimal(4) }})
            as within_sla_share

    from aggregated

)

select * from final
