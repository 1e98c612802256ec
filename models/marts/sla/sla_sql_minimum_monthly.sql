{#- Month × channel: SQLs handed over in the month against the channel's monthly minimum
    (seeds/sla_sql_minimums.csv), and the gap to it. Every month from the calendar's first up
    to as_of's is listed for every channel with a minimum, so that a month without a single
    SQL shows its whole shortfall; a channel without a minimum appears in the months it had
    SQLs, with no gap. -#}
with

handovers as (

    select * from {{ ref('fct_handovers') }}

),

sql_minimums as (

    select * from {{ ref('sla_sql_minimums') }}

),

calendar as (

    select * from {{ ref('dim_calendar') }}

),

report_months as (

    select distinct month
    from calendar
    where month <= {{ month_start(as_of_date()) }}

),

sqls_by_channel as (

    select
        handover_month as month,
        channel,
        count(*) as sql_count

    from handovers
    group by handover_month, channel

),

month_channels as (

    select report_months.month, sql_minimums.channel
    from report_months
    cross join sql_minimums

    union

    select month, channel
    from sqls_by_channel

),

compared as (

    select
        month_channels.month,
        month_channels.channel,
        coalesce(sqls_by_channel.sql_count, 0) as sql_count,
        sql_minimums.min_sql_per_month

    from month_channels
    left join sqls_by_channel
        on sqls_by_channel.month = month_channels.month
        and sqls_by_channel.channel = month_channels.channel
    left join sql_minimums
        on sql_minimums.channel = month_channels.channel

),

final as (

    select
        cast(month as date) as month,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(sql_count as {{ dbt.type_bigint() }}) as sql_count,
        cast(min_sql_per_month as {{ dbt.type_bigint() }}) as min_sql_per_month,
        cast(min_sql_per_month - sql_count as {{ dbt.type_bigint() }}) as gap_to_minimum,
        case when min_sql_per_month is not null then sql_count >= min_sql_per_month end as is_minimum_met

    from compared

)

select * from final
