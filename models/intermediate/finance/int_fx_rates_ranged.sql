{#- One row per FX rate with the days it applies to: from its own date up to, not including,
    the currency's next rate date (open-ended for the latest). "The rate of that date, or the
    latest earlier rate" (SPEC §2) then becomes a portable range join (macro fx_rate_applies).
    The base currency converts at 1 from the beginning of time, without a rate row. -#}
with

fx_rates as (

    select * from {{ ref('stg_finance__fx_rates') }}

),

quoted_rates as (

    select
        upper(currency) as currency,
        rate_date,
        rate_to_base

    from fx_rates
    -- the base currency is worth exactly 1 by definition; a quote for it is not followed
    where upper(currency) <> {{ base_currency() }}

),

ranged_rates as (

    select
        currency,
        rate_date as valid_from,
        lead(rate_date) over (
            partition by currency
            order by rate_date
        ) as valid_to,
        rate_to_base,
        false as is_base_currency

    from quoted_rates

),

base_currency_rate as (

    select
        {{ base_currency() }} as currency,
        -- earlier than anything the warehouse holds, so every day converts
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        cast(1 as {{ type_rate() }}) as rate_to_base,
        true as is_base_currency

),

unioned as (

    select * from ranged_rates

    union all

    select * from base_currency_rate

)

select * from unioned
