{#- One row per month, channel and category of non-ad marketing cost (payroll excluded) whose
    month starts on or before as_of, converted to the base currency at the rate of the
    month's first day, or the latest earlier rate. -#}
with

marketing_costs_converted as (

    select * from {{ ref('int_marketing_costs_converted') }}

),

final as (

    select
        cost_month,
        channel,
        category,
        amount,
        currency,
        fx_rate,
        amount_base,
        has_fx_rate

    from marketing_costs_converted

)

select * from final
