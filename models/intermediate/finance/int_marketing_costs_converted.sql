{#- One row per month, channel and category of non-ad marketing cost whose month starts on or
    before as_of, converted to the base currency at the rate of the month's first day, or
    the latest earlier rate (SPEC §2). Without a usable rate the amount in the base currency
    stays NULL, never zero. -#}
with

marketing_costs as (

    select * from {{ ref('stg_finance__marketing_costs') }}

),

fx_rates_ranged as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

marketing_costs_as_of as (

    select
        cost_month,
        channel,
        category,
        amount,
        upper(currency) as currency

    from marketing_costs
    -- a month that has begun by as_of counts in full: finance books the cost per month
    where cost_month <= {{ as_of_date() }}

),

converted as (

    select
        marketing_costs_as_of.cost_month,
        marketing_costs_as_of.channel,
        marketing_costs_as_of.category,
        marketing_costs_as_of.amount,
        marketing_costs_as_of.currency,
        fx_rates_ranged.rate_to_base as fx_rate,
        {{ to_base_currency('marketing_costs_as_of.amount', 'fx_rates_ranged.rate_to_base') }} as amount_base,
        fx_rates_ranged.rate_to_base is not null as has_fx_rate

    from marketing_costs_as_of
    left join fx_rates_ranged
        on {{ fx_rate_applies('fx_rates_ranged', 'marketing_costs_as_of.currency', 'marketing_costs_as_of.cost_month') }}

)

select * from converted
