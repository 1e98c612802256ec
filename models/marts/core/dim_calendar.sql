{#- One row per day, from the first day of the month of the earliest day any fact counts up to
    the last day of as_of's month, so that every month in it is whole. Days and months are
    those of the reporting time zone, as in the facts. -#}
with

leads_channel_resolved as (

    select * from {{ ref('int_leads_channel_resolved') }}

),

lead_events as (

    select * from {{ ref('stg_crm__lead_events') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

payments as (

    select * from {{ ref('fct_payments') }}

),

ad_spend_daily as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

marketing_costs_monthly as (

    select * from {{ ref('fct_marketing_costs_monthly') }}

),

-- Each fact's earliest day: a day is a time-zone conversion away from an instant, and the
-- earliest day is the day of the earliest instant, so one conversion per fact, not per row.
-- A fact whose earliest day is after as_of has no day up to it, as the filter below finds.
fact_days as (

    select min(created_date) as fact_date from leads_channel_resolved

    union all

    -- a handover is a lead event, which may be dated before its lead's creation
    select {{ reporting_date('min(occurred_at)') }} from lead_events

    union all

    select min(created_date) from deals

    union all

    select min(paid_date) from payments

    union all

    select min(spend_date) from ad_spend_daily

    union all

    select min(cost_month) from marketing_costs_monthly

),

calendar_bounds as (

    select
        -- with no fact at all the calendar is as_of's month alone
        {{ month_start('coalesce(min(fact_date), ' ~ as_of_date() ~ ')') }} as first_day,
        {{ dbt.last_day(as_of_date(), 'month') }} as last_day

    from fact_days
    where fact_date <= {{ as_of_date() }}

),

calendar_days as (

    {{ day_spine(
        '(select first_day from calendar_bounds)',
        '(select last_day from calendar_bounds)'
    ) }}

),

described as (

    select
        date_day,
        {{ month_start('date_day') }} as month,
        {{ dbt.datediff(month_start('date_day'), 'date_day', 'day') }} + 1 as day_of_month,
        {{ dbt.datediff(
            month_start('date_day'),
            dbt.dateadd('month', 1, month_start('date_day')),
            'day'
        ) }} as days_in_month,
        {{ is_weekend('date_day') }} as is_weekend,
        {{ month_start('date_day') }} = {{ month_start(as_of_date()) }} as is_as_of_month

    from calendar_days

)

select * from described
