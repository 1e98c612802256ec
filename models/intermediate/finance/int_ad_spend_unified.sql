{#- One row per ad platform, spend day and campaign, on or before as_of: Google Ads, Meta Ads
    and Yandex Direct reports in one shape, spend in major units of the account currency
    (micros already converted in staging), with the channel each platform's spend belongs
    to (seeds/ad_platform_channels.csv). -#}
with

google_ads as (

    select * from {{ ref('stg_ads__google_ads') }}

),

meta_ads as (

    select * from {{ ref('stg_ads__meta_ads') }}

),

yandex_direct as (

    select * from {{ ref('stg_ads__yandex_direct') }}

),

ad_platform_channels as (

    select * from {{ ref('ad_platform_channels') }}

),

ad_spend_unioned as (

    select
        'google_ads' as ad_platform,
        spend_date,
        campaign_id,
        campaign_name,
        impressions,
        clicks,
        spend,
        currency

    from google_ads

    union all

    select
        'meta_ads' as ad_platform,
        spend_date,
        campaign_id,
        campaign_name,
        impressions,
        clicks,
        spend,
        currency

    from meta_ads

    union all

    select
        'yandex_direct' as ad_platform,
        spend_date,
        campaign_id,
        campaign_name,
        impressions,
        clicks,
        spend,
        currency

    from yandex_direct

),

ad_spend_as_of as (

    select
        spend_date,
        ad_platform,
        campaign_id,
        campaign_name,
        impressions,
        clicks,
        spend,
        upper(currency) as currency

    from ad_spend_unioned
    -- a report day is already a calendar day (the account's), so it is compared as is
    where spend_date <= {{ as_of_date() }}

),

channel_assigned as (

    select
        ad_spend_as_of.spend_date,
        ad_spend_as_of.ad_platform,
        ad_spend_as_of.campaign_id,
        ad_spend_as_of.campaign_name,
        ad_spend_as_of.impressions,
        ad_spend_as_of.clicks,
        ad_spend_as_of.spend,
        ad_spend_as_of.currency,
        -- a left join, so that a platform missing from the seed shows up as a NULL channel
        -- (a failing test) instead of silently losing its spend
        ad_platform_channels.channel

    from ad_spend_as_of
    left join ad_platform_channels
        on ad_platform_channels.ad_platform = ad_spend_as_of.ad_platform

)

select * from channel_assigned
