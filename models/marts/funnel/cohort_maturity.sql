{#- Lead creation month × months since creation: of the leads created in a month, the share
    already handed over, won and paid by the end of each later month, up to as_of's month.
    A milestone dated before its lead's creation month counts from month 0. -#}
with

leads as (

    select * from {{ ref('fct_leads') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

first_paid_months as (

    select
        lead_id,
        min(paid_month) as first_paid_month

    from payments
    where status = 'succeeded'
        and payment_kind = 'payment'
        and is_attributed
    group by lead_id

),

lead_milestones as (

    select
        leads.lead_id,
        leads.created_month as cohort_month,
        leads.handover_month,
        {{ month_start(reporting_date('leads.first_won_at')) }} as won_month,
        first_paid_months.first_paid_month as paid_month

    from leads
    left join first_paid_months
        on first_paid_months.lead_id = leads.lead_id

),

report_months as (

    select distinct month
    from calendar
    where month <= {{ month_start(as_of_date()) }}

),

cohort_months as (

    select
        lead_milestones.cohort_month,
        report_months.month,
        lead_milestones.lead_id,
        lead_milestones.handover_month,
        lead_milestones.won_month,
        lead_milestones.paid_month

    from lead_milestones
    inner join report_months
        on report_months.month >= lead_milestones.cohort_month

),

aggregated as (

    select
        cohort_month,
        month,
        count(*) as leads_count,
        sum(case when handover_month <= month then 1 else 0 end) as handed_over_count,
        sum(case when won_month <= month then 1 else 0 end) as won_count,
        sum(case when paid_month <= month then 1 else 0 end) as paid_count

    from cohort_months
    group by cohort_month, month

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        cast({{ dbt.datediff('cohort_month', 'month', 'month') }} as {{ dbt.type_int() }}) as months_since_creation,
        cast(month as date) as month,
        cast(leads_count as {{ dbt.type_bigint() }}) as leads_count,
        cast(handed_over_count as {{ dbt.type_bigint() }}) as handed_over_count,
        cast(won_count as {{ dbt.type_bigint() }}) as won_count,
        cast(paid_count as {{ dbt.type_bigint() }}) as paid_count,
        cast(round({{ safe_ratio('handed_over_count', 'leads_count') }}, 4) as {{ type_decimal(4) }}) as handed_over_share,
        cast(round({{ safe_ratio('won_count', 'leads_count') }}, 4) as {{ type_decimal(4) }}) as won_share,
        cast(round({{ safe_ratio('paid_count', 'leads_count') }}, 4) as {{ type_decimal(4) }}) as paid_share

    from aggregated

)

select * from final
