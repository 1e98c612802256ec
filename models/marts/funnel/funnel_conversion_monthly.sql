{#- Month × segment × channel × basis: how many leads reached each funnel stage, the
    conversion of each step and the median days it took. Two bases side by side:
    `period` counts each stage in the month it happened (an SQL in its handover month, as
    SPEC §2 counts it); `cohort` counts every stage in the month the lead was created, so a
    month's rates describe what became of that month's leads. -#}
with

lead_stages as (

    select * from {{ ref('int_lead_stages_reached') }}

),

stages_by_basis as (

    select
        reached_month as month,
        segment,
        channel,
        'period' as basis,
        stage,
        days_from_previous_stage

    from lead_stages

    union all

    select
        created_month as month,
        segment,
        channel,
        'cohort' as basis,
        stage,
        days_from_previous_stage

    from lead_stages

),

aggregated as (

    select
        month,
        segment,
        channel,
        basis,
        sum(case when stage = 'lead' then 1 else 0 end) as leads_count,
        sum(case when stage = 'mql' then 1 else 0 end) as mql_count,
        sum(case when stage = 'sql' then 1 else 0 end) as sql_count,
        sum(case when stage = 'accepted' then 1 else 0 end) as accepted_count,
        sum(case when stage = 'won' then 1 else 0 end) as won_count,
        {{ percentile_cont("case when stage = 'mql' then days_from_previous_stage end", 0.5) }}
            as median_days_lead_to_mql,
        {{ percentile_cont("case when stage = 'sql' then days_from_previous_stage end", 0.5) }}
            as median_days_mql_to_sql,
        {{ percentile_cont("case when stage = 'accepted' then days_from_previous_stage end", 0.5) }}
            as median_days_sql_to_accepted,
        {{ percentile_cont("case when stage = 'won' then days_from_previous_stage end", 0.5) }}
            as median_days_accepted_to_won

    from stages_by_basis
    group by month, segment, channel, basis

),

final as (

    select
        cast(month as date) as month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(basis as {{ dbt.type_string() }}) as basis,
        cast(leads_count as {{ dbt.type_bigint() }}) as leads_count,
        cast(mql_count as {{ dbt.type_bigint() }}) as mql_count,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(accepted_count as {{ dbt.type_bigint() }}) as accepted_count,
        cast(won_count as {{ dbt.type_bigint() }}) as won_count,
        cast(round({{ safe_ratio('mql_count', 'leads_count') }}, 4) as {{ type_decimal(4) }}) as lead_to_mql_rate,
        cast(round({{ safe_ratio('sql_count', 'mql_count') }}, 4) as {{ type_decimal(4) }}) as mql_to_sql_rate,
        cast(round({{ safe_ratio('accepted_count', 'sql_count') }}, 4) as {{ type_decimal(4) }}) as sql_to_accepted_rate,
        cast(round({{ safe_ratio('won_count', 'accepted_count') }}, 4) as {{ type_decimal(4) }}) as accepted_to_won_rate,
        cast(round({{ safe_ratio('won_count', 'leads_count') }}, 4) as {{ type_decimal(4) }}) as lead_to_won_rate,
        cast({{ round_double('median_days_lead_to_mql', 2) }} as {{ type_decimal(2) }}) as median_days_lead_to_mql,
        cast({{ round_double('median_days_mql_to_sql', 2) }} as {{ type_decimal(2) }}) as median_days_mql_to_sql,
        cast({{ round_double('median_days_sql_to_accepted', 2) }} as {{ type_decimal(2) }}) as median_days_sql_to_accepted,
        cast({{ round_double('median_days_accepted_to_won', 2) }} as {{ type_decimal(2) }}) as median_days_accepted_to_won

    from aggregated

)

select * from final
