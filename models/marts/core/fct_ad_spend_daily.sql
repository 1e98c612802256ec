{#- One row per spend day, ad platform and campaign on or before as_of, converted to the base
    currency at the rate of the spend day, or the latest earlier rate (SPEC §2: like
    revenue). Without a usable rate `spend_base` stays NULL — a blocking error, never zero. -#}
with

ad_spend_unified as (

    select * from {{ ref('int_ad_spend_unified') }}

),

fx_rates_ranged as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

converted as (

    select
        ad_spend_unified.spend_date,
        {{ month_start('ad_spend_unified.spend_date') }} as spend_month,
        ad_spend_unified.ad_platform,
        ad_spend_unified.campaign_id,
        ad_spend_unified.campaign_name,
        ad_spend_unified.channel,
        ad_spend_unified.impressions,
        ad_spend_unified.clicks,
        ad_spend_unified.spend,
        ad_spend_unified.currency,
        fx_rates_ranged.rate_to_base as fx_rate,
        {{ to_base_currency('ad_spend_unified.spend', 'fx_rates_ranged.rate_to_base') }} as spend_base,
        fx_rates_ranged.rate_to_base is not null as has_fx_rate

    from ad_spend_unified
    left join fx_rates_ranged
        on {{ fx_rate_applies('fx_rates_ranged', 'ad_spend_unified.currency', 'ad_spend_unified.spend_date') }}

)

select * from converted
