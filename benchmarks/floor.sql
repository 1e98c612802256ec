-- The floor: the five contract marts (SPEC §3) computed straight from a landing directory in
-- one DuckDB script. No dbt, no Dagster, no validation, no publication. It is what the
-- simplest correct job would cost, and the benchmark holds the pipeline's time against it.
--
-- Parameters, set as DuckDB variables before the script runs:
--   SET VARIABLE landing = 'path/to/landing';      -- the generator's layout (see below)
--   SET VARIABLE seeds = 'path/to/seeds';          -- channel_map.csv, crm_stage_map.csv,
--                                                  -- ad_platform_channels.csv
--   SET VARIABLE tz = 'UTC';                       -- reporting time zone
--   SET VARIABLE base_currency = 'USD';
--   SET VARIABLE as_of = '2026-10-31';
--
-- It leaves the marts as tables of the current database: sql_by_handover_monthly,
-- revenue_by_payment_monthly, attribution_transition_monthly, channel_economics_monthly,
-- plan_vs_fact_monthly, with the columns and types the pipeline publishes.
--
-- Scope. It reads the layout `onefunnel generate` writes (CRM entities as folders of daily CSV
-- drops, payments and Meta Ads as Parquet, the rest as single CSV files) and quarantines only
-- the defects the generator writes into the entities the five marts read: lines with a field
-- too many, empty keys and required values, unparseable timestamps and amounts, negative
-- amounts, unknown enum values, a zero fx rate. Everything else is the counting of the dbt
-- models, mirrored expression for expression where types matter (money in decimal(38, 6),
-- rates in decimal(38, 10), ratios through double, rounding to cents only in the marts).

SET TimeZone = 'UTC';  -- a timestamp without an offset is UTC (SPEC §1)

CREATE OR REPLACE TEMP MACRO as_of() AS CAST(getvariable('as_of') AS DATE);
CREATE OR REPLACE TEMP MACRO base() AS upper(getvariable('base_currency'));
-- the calendar day of an instant in the reporting time zone
CREATE OR REPLACE TEMP MACRO rdate(ts) AS CAST(timezone(getvariable('tz'), ts) AS DATE);
CREATE OR REPLACE TEMP MACRO mstart(d) AS CAST(date_trunc('month', d) AS DATE);
CREATE OR REPLACE TEMP MACRO blank(v) AS nullif(trim(v), '');
CREATE OR REPLACE TEMP MACRO ts(v) AS try_cast(nullif(trim(v), '') AS TIMESTAMPTZ);
CREATE OR REPLACE TEMP MACRO money(v) AS CAST(nullif(trim(v), '') AS DECIMAL(38, 6));
-- a money value ingestion would stage: empty, or a number that is not negative
CREATE OR REPLACE TEMP MACRO good_money(v) AS
    blank(v) IS NULL OR try_cast(trim(v) AS DECIMAL(38, 10)) >= 0;

-- ------------------------------------------------------------------------------------------
-- Seeds
-- ------------------------------------------------------------------------------------------

CREATE OR REPLACE TEMP TABLE channel_map AS
SELECT CAST(priority AS INTEGER) AS priority, utm_source, utm_medium, channel
FROM read_csv(getvariable('seeds') || '/channel_map.csv', header = true, all_varchar = true);

CREATE OR REPLACE TEMP TABLE stage_map AS
SELECT lower(trim(crm_stage)) AS crm_stage, stage
FROM read_csv(getvariable('seeds') || '/crm_stage_map.csv', header = true, all_varchar = true);

CREATE OR REPLACE TEMP TABLE ad_platform_channels AS
SELECT ad_platform, channel
FROM read_csv(getvariable('seeds') || '/ad_platform_channels.csv', header = true, all_varchar = true);

-- ------------------------------------------------------------------------------------------
-- Landing rows: good rows only, then the latest version of each key (a later file wins, and
-- within one file a later line; rowid keeps the order of the files' lines)
-- ------------------------------------------------------------------------------------------

CREATE OR REPLACE TEMP TABLE leads_landed AS
SELECT trim(lead_id) AS lead_id, ts(created_at) AS created_at, segment, utm_source, utm_medium,
    filename
FROM read_csv(getvariable('landing') || '/crm/leads/*.csv', header = true, all_varchar = true,
    delim = ',', quote = '"', escape = '"', filename = true, ignore_errors = true)
WHERE blank(lead_id) IS NOT NULL AND ts(created_at) IS NOT NULL;

CREATE OR REPLACE TEMP TABLE leads AS
SELECT lead_id, created_at,
    CASE WHEN lower(trim(segment)) IN ('enterprise', 'middle', 'small')
        THEN lower(trim(segment)) ELSE 'unknown' END AS segment,
    lower(blank(utm_source)) AS utm_source,
    lower(blank(utm_medium)) AS utm_medium
FROM leads_landed
QUALIFY row_number() OVER (PARTITION BY lead_id ORDER BY filename DESC, rowid DESC) = 1;

CREATE OR REPLACE TEMP TABLE events_landed AS
SELECT trim(event_id) AS event_id, trim(lead_id) AS lead_id, lower(trim(stage)) AS crm_stage,
    ts(occurred_at) AS occurred_at, filename
FROM read_csv(getvariable('landing') || '/crm/lead_events/*.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', filename = true,
    ignore_errors = true)
WHERE blank(event_id) IS NOT NULL AND blank(lead_id) IS NOT NULL
    AND ts(occurred_at) IS NOT NULL
    AND lower(trim(stage)) IN (SELECT crm_stage FROM stage_map);

-- lead events on or before as_of, with their canonical stage
CREATE OR REPLACE TEMP TABLE events AS
SELECT e.event_id, e.lead_id, m.stage, e.occurred_at
FROM (
    SELECT * FROM events_landed
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY filename DESC, rowid DESC) = 1
) AS e
JOIN stage_map AS m ON m.crm_stage = e.crm_stage
WHERE rdate(e.occurred_at) <= as_of();

CREATE OR REPLACE TEMP TABLE deals_landed AS
SELECT trim(deal_id) AS deal_id, blank(lead_id) AS lead_id, ts(created_at) AS created_at,
    lower(trim(status)) AS status, ts(closed_at) AS closed_at, filename
FROM read_csv(getvariable('landing') || '/crm/deals/*.csv', header = true, all_varchar = true,
    delim = ',', quote = '"', escape = '"', filename = true, ignore_errors = true)
WHERE blank(deal_id) IS NOT NULL AND ts(created_at) IS NOT NULL
    AND lower(trim(status)) IN ('open', 'won', 'lost')
    AND (blank(closed_at) IS NULL OR ts(closed_at) IS NOT NULL)
    AND good_money(amount);

-- deals created on or before as_of (by their latest version), as they stood that day
CREATE OR REPLACE TEMP TABLE deals AS
SELECT deal_id, lead_id, created_at,
    CASE WHEN rdate(closed_at) > as_of() THEN 'open' ELSE status END AS status,
    closed_at
FROM (
    SELECT * FROM deals_landed
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY filename DESC, rowid DESC) = 1
)
WHERE rdate(created_at) <= as_of();

CREATE OR REPLACE TEMP TABLE payments_landed AS
SELECT trim(payment_id) AS payment_id, blank(deal_id) AS deal_id, ts(paid_at) AS paid_at,
    money(amount) AS amount, upper(blank(currency)) AS currency,
    lower(trim(status)) AS status, lower(trim(kind)) AS payment_kind,
    filename, file_row_number
FROM read_parquet(getvariable('landing') || '/payments/payments.parquet', filename = true,
    file_row_number = true)
WHERE blank(payment_id) IS NOT NULL AND ts(paid_at) IS NOT NULL
    AND blank(amount) IS NOT NULL AND good_money(amount)
    AND blank(currency) IS NOT NULL
    AND lower(trim(status)) IN ('succeeded', 'failed', 'pending')
    AND lower(trim(kind)) IN ('payment', 'refund');

CREATE OR REPLACE TEMP TABLE fx_landed AS
SELECT CAST(trim("date") AS DATE) AS rate_date, upper(blank(currency)) AS currency,
    CAST(trim(rate_to_base) AS DECIMAL(38, 10)) AS rate_to_base
FROM read_csv(getvariable('landing') || '/finance/fx_rates.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', ignore_errors = true)
WHERE try_cast(trim(rate_to_base) AS DECIMAL(38, 10)) > 0;

-- the rate of each day, or the latest earlier one; the base currency at 1 from the start
CREATE OR REPLACE TEMP TABLE fx AS
SELECT currency, rate_date, rate_to_base
FROM fx_landed
WHERE currency <> base()
QUALIFY row_number() OVER (PARTITION BY rate_date, currency ORDER BY rowid DESC) = 1
UNION ALL
SELECT base(), DATE '1900-01-01', CAST(1 AS DECIMAL(38, 10));

CREATE OR REPLACE TEMP TABLE ad_spend_landed AS
SELECT 'google_ads' AS ad_platform, trim(segments_date) AS day_key,
    trim(campaign_id) AS campaign_id,
    CAST(CAST(CAST(blank(metrics_cost_micros) AS BIGINT) AS DECIMAL(38, 0)) * 0.000001
        AS DECIMAL(38, 6)) AS spend,
    upper(blank(customer_currency_code)) AS currency
FROM read_csv(getvariable('landing') || '/ads/google_ads.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', ignore_errors = true)
UNION ALL
SELECT 'meta_ads', trim(CAST(date_start AS VARCHAR)), trim(campaign_id),
    money(CAST(spend AS VARCHAR)), upper(blank(account_currency))
FROM read_parquet(getvariable('landing') || '/ads/meta_ads.parquet')
UNION ALL
SELECT 'yandex_direct', trim("Date"), trim("CampaignId"),
    CAST(CAST(CAST(blank("Cost") AS BIGINT) AS DECIMAL(38, 0)) * 0.000001 AS DECIMAL(38, 6)),
    upper(blank("Currency"))
FROM read_csv(getvariable('landing') || '/ads/yandex_direct.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', ignore_errors = true);

CREATE OR REPLACE TEMP TABLE marketing_costs_landed AS
SELECT CAST(trim("month") || '-01' AS DATE) AS cost_month,
    lower(blank(channel)) AS channel, trim(category) AS category,
    money(amount) AS amount, upper(blank(currency)) AS currency
FROM read_csv(getvariable('landing') || '/finance/marketing_costs.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', ignore_errors = true);

CREATE OR REPLACE TEMP TABLE plans_landed AS
SELECT CAST(trim("month") || '-01' AS DATE) AS plan_month, lower(blank(segment)) AS segment,
    lower(blank(metric)) AS metric, CAST(trim(plan_value) AS DECIMAL(38, 6)) AS plan_value
FROM read_csv(getvariable('landing') || '/finance/plans.csv', header = true,
    all_varchar = true, delim = ',', quote = '"', escape = '"', ignore_errors = true);

CREATE OR REPLACE TEMP TABLE plans AS
SELECT plan_month, segment, metric, plan_value
FROM plans_landed
QUALIFY row_number() OVER (PARTITION BY plan_month, segment, metric ORDER BY rowid DESC) = 1;

-- ------------------------------------------------------------------------------------------
-- Facts
-- ------------------------------------------------------------------------------------------

-- leads created on or before as_of; channel: first channel_map row by priority
CREATE OR REPLACE TEMP TABLE lead_facts AS
WITH utm_pairs AS (
    SELECT DISTINCT utm_source, utm_medium FROM leads
),
pair_channels AS (
    SELECT p.utm_source, p.utm_medium, arg_min(m.channel, m.priority) AS channel
    FROM utm_pairs AS p
    JOIN channel_map AS m
        ON (m.utm_source = '*' OR (m.utm_source = '(empty)' AND p.utm_source IS NULL)
            OR m.utm_source = p.utm_source)
        AND (m.utm_medium = '*' OR (m.utm_medium = '(empty)' AND p.utm_medium IS NULL)
            OR m.utm_medium = p.utm_medium)
    GROUP BY ALL
)
SELECT l.lead_id, l.created_at, mstart(rdate(l.created_at)) AS created_month, l.segment,
    coalesce(c.channel, 'other') AS channel
FROM leads AS l
LEFT JOIN pair_channels AS c
    ON c.utm_source IS NOT DISTINCT FROM l.utm_source
    AND c.utm_medium IS NOT DISTINCT FROM l.utm_medium
WHERE rdate(l.created_at) <= as_of();

-- one row per SQL: handover = earliest sql event, else the lead's first deal (implicit);
-- verdict = first accepted/rejected event at or after the handover
CREATE OR REPLACE TEMP TABLE handovers AS
WITH first_sql AS (
    SELECT lead_id, min(occurred_at) AS first_sql_at
    FROM events WHERE stage = 'sql' GROUP BY lead_id
),
first_deals AS (
    SELECT lead_id, min(created_at) AS first_deal_at
    FROM deals WHERE lead_id IS NOT NULL GROUP BY lead_id
),
derived AS (
    SELECT l.lead_id, l.created_month, l.segment, l.channel,
        coalesce(s.first_sql_at, d.first_deal_at) AS handover_at,
        s.first_sql_at IS NULL AS is_implicit_handover
    FROM lead_facts AS l
    LEFT JOIN first_sql AS s ON s.lead_id = l.lead_id
    LEFT JOIN first_deals AS d ON d.lead_id = l.lead_id
    WHERE s.lead_id IS NOT NULL OR d.lead_id IS NOT NULL
),
verdicts AS (
    SELECT h.lead_id, arg_min(e.stage, (e.occurred_at, e.event_id)) AS verdict
    FROM derived AS h
    JOIN events AS e
        ON e.lead_id = h.lead_id AND e.occurred_at >= h.handover_at
    WHERE e.stage IN ('accepted', 'rejected')
    GROUP BY h.lead_id
)
SELECT h.lead_id, mstart(rdate(h.handover_at)) AS handover_month, h.is_implicit_handover,
    coalesce(v.verdict = 'accepted', false) AS is_accepted,
    coalesce(v.verdict = 'rejected', false) AS is_rejected,
    h.segment, h.channel, h.created_month
FROM derived AS h
LEFT JOIN verdicts AS v ON v.lead_id = h.lead_id;

CREATE OR REPLACE TEMP TABLE deal_facts AS
SELECT d.deal_id, d.status = 'won' AS is_won,
    CASE WHEN d.status IN ('won', 'lost') THEN mstart(rdate(d.closed_at)) END AS closed_month,
    coalesce(l.segment, 'unknown') AS segment,
    coalesce(l.channel, 'unattributed') AS channel
FROM deals AS d
LEFT JOIN lead_facts AS l ON l.lead_id = d.lead_id;

-- payments paid on or before as_of, converted at the rate of their day (or the latest earlier)
CREATE OR REPLACE TEMP TABLE payment_facts AS
WITH latest AS (
    SELECT *, rdate(paid_at) AS paid_date
    FROM payments_landed
    QUALIFY row_number() OVER (
        PARTITION BY payment_id ORDER BY filename DESC, file_row_number DESC
    ) = 1
),
converted AS (
    SELECT p.payment_id, p.deal_id, mstart(p.paid_date) AS paid_month, p.status,
        p.payment_kind, CAST(p.amount * fx.rate_to_base AS DECIMAL(38, 6)) AS amount_base
    FROM latest AS p
    ASOF LEFT JOIN fx ON fx.currency = p.currency AND p.paid_date >= fx.rate_date
    WHERE p.paid_date <= as_of()
)
SELECT c.paid_month, c.status, c.payment_kind, c.amount_base,
    CASE
        WHEN c.status = 'succeeded' AND c.payment_kind = 'payment' THEN c.amount_base
        WHEN c.status = 'succeeded' AND c.payment_kind = 'refund' THEN -c.amount_base
        ELSE CAST(0 AS DECIMAL(38, 6))
    END AS revenue_base,
    coalesce(d.segment, 'unknown') AS segment,
    coalesce(d.channel, 'unattributed') AS channel
FROM converted AS c
LEFT JOIN deal_facts AS d ON d.deal_id = c.deal_id;

-- ad spend per day, platform and campaign on or before as_of, converted by spend day
CREATE OR REPLACE TEMP TABLE ad_spend_facts AS
WITH latest AS (
    SELECT ad_platform, CAST(day_key AS DATE) AS spend_date, spend, currency
    FROM ad_spend_landed
    QUALIFY row_number() OVER (
        PARTITION BY ad_platform, day_key, campaign_id ORDER BY rowid DESC
    ) = 1
)
SELECT mstart(s.spend_date) AS spend_month, c.channel,
    CAST(s.spend * fx.rate_to_base AS DECIMAL(38, 6)) AS spend_base
FROM latest AS s
ASOF LEFT JOIN fx ON fx.currency = s.currency AND s.spend_date >= fx.rate_date
LEFT JOIN ad_platform_channels AS c ON c.ad_platform = s.ad_platform
WHERE s.spend_date <= as_of();

-- non-ad marketing costs of months begun by as_of, at the rate of the month's first day
CREATE OR REPLACE TEMP TABLE marketing_cost_facts AS
WITH latest AS (
    SELECT * FROM marketing_costs_landed
    QUALIFY row_number() OVER (
        PARTITION BY cost_month, channel, category ORDER BY rowid DESC
    ) = 1
)
SELECT m.cost_month, m.channel,
    CAST(m.amount * fx.rate_to_base AS DECIMAL(38, 6)) AS amount_base
FROM latest AS m
ASOF LEFT JOIN fx ON fx.currency = m.currency AND m.cost_month >= fx.rate_date
WHERE m.cost_month <= as_of();

-- ------------------------------------------------------------------------------------------
-- The five marts
-- ------------------------------------------------------------------------------------------

CREATE OR REPLACE TABLE sql_by_handover_monthly AS
SELECT handover_month AS month, segment, channel,
    CAST(count(*) AS BIGINT) AS sql_count,
    CAST(sum(CASE WHEN is_accepted THEN 1 ELSE 0 END) AS BIGINT) AS accepted_count,
    CAST(sum(CASE WHEN is_rejected THEN 1 ELSE 0 END) AS BIGINT) AS rejected_count,
    CAST(sum(CASE WHEN is_implicit_handover THEN 1 ELSE 0 END) AS BIGINT)
        AS implicit_handover_count
FROM handovers
GROUP BY ALL;

CREATE OR REPLACE TABLE revenue_by_payment_monthly AS
SELECT paid_month AS month, segment, channel,
    CAST(round(sum(revenue_base), 2) AS DECIMAL(38, 2)) AS revenue,
    CAST(sum(CASE WHEN payment_kind = 'payment' THEN 1 ELSE 0 END) AS BIGINT) AS payments_count,
    CAST(round(sum(CASE WHEN payment_kind = 'refund' THEN amount_base ELSE 0 END), 2)
        AS DECIMAL(38, 2)) AS refunds_amount
FROM payment_facts
WHERE status = 'succeeded'
GROUP BY ALL;

CREATE OR REPLACE TABLE attribution_transition_monthly AS
WITH both_months AS (
    SELECT created_month AS month, segment, channel, 1 AS by_creation, 0 AS by_handover
    FROM handovers
    UNION ALL
    SELECT handover_month, segment, channel, 0, 1
    FROM handovers
)
SELECT month, segment, channel,
    CAST(sum(by_creation) AS BIGINT) AS sql_count_by_creation,
    CAST(sum(by_handover) AS BIGINT) AS sql_count_by_handover,
    CAST(sum(by_handover) - sum(by_creation) AS BIGINT) AS delta
FROM both_months
GROUP BY ALL;

CREATE OR REPLACE TABLE channel_economics_monthly AS
WITH measures AS (
    SELECT spend_month AS month, channel, spend_base AS spend, 0 AS leads_created,
        0 AS sql_count, 0 AS won_deals, 0 AS revenue
    FROM ad_spend_facts
    UNION ALL
    SELECT cost_month, channel, amount_base, 0, 0, 0, 0 FROM marketing_cost_facts
    UNION ALL
    SELECT created_month, channel, 0, 1, 0, 0, 0 FROM lead_facts
    UNION ALL
    SELECT handover_month, channel, 0, 0, 1, 0, 0 FROM handovers
    UNION ALL
    SELECT closed_month, channel, 0, 0, 0, 1, 0 FROM deal_facts WHERE is_won
    UNION ALL
    SELECT paid_month, channel, 0, 0, 0, 0, revenue_base
    FROM payment_facts WHERE status = 'succeeded'
),
summed AS (
    SELECT month, channel, sum(spend) AS spend, sum(leads_created) AS leads_created,
        sum(sql_count) AS sql_count, sum(won_deals) AS won_deals, sum(revenue) AS revenue
    FROM measures
    GROUP BY ALL
)
SELECT month, channel,
    CAST(round(spend, 2) AS DECIMAL(38, 2)) AS spend,
    CAST(leads_created AS BIGINT) AS leads_created,
    CAST(sql_count AS BIGINT) AS sql_count,
    CAST(won_deals AS BIGINT) AS won_deals,
    CAST(round(revenue, 2) AS DECIMAL(38, 2)) AS revenue,
    CAST(round(CAST(CAST(spend AS DOUBLE) / nullif(CAST(leads_created AS DOUBLE), 0)
        AS DECIMAL(38, 10)), 2) AS DECIMAL(38, 2)) AS cpl,
    CAST(round(CAST(CAST(spend AS DOUBLE) / nullif(CAST(sql_count AS DOUBLE), 0)
        AS DECIMAL(38, 10)), 2) AS DECIMAL(38, 2)) AS cost_per_sql,
    CAST(round(CAST(CAST(spend AS DOUBLE) / nullif(CAST(won_deals AS DOUBLE), 0)
        AS DECIMAL(38, 10)), 2) AS DECIMAL(38, 2)) AS cac,
    CAST(round(CAST(CAST(revenue - spend AS DOUBLE) / nullif(CAST(spend AS DOUBLE), 0)
        AS DECIMAL(38, 10)), 4) AS DECIMAL(38, 4)) AS romi
FROM summed;

CREATE OR REPLACE TABLE plan_vs_fact_monthly AS
WITH facts_by_segment AS (
    SELECT handover_month AS month, segment, 'sql' AS metric, count(*) AS fact
    FROM handovers
    GROUP BY ALL
    UNION ALL
    SELECT paid_month, segment, 'revenue', sum(revenue_base)
    FROM payment_facts
    WHERE status = 'succeeded'
    GROUP BY ALL
),
facts AS (
    SELECT month, segment, metric, fact FROM facts_by_segment
    UNION ALL
    SELECT month, 'all', metric, sum(fact) FROM facts_by_segment GROUP BY month, metric
),
plan_and_fact_keys AS (
    SELECT plan_month AS month, segment, metric FROM plans
    UNION
    SELECT month, segment, metric FROM facts
),
as_of_month AS (
    SELECT mstart(as_of()) AS month,
        date_diff('day', mstart(as_of())::TIMESTAMP, as_of()::TIMESTAMP) + 1 AS days_elapsed,
        date_diff('day', mstart(as_of())::TIMESTAMP,
            (mstart(as_of()) + INTERVAL 1 MONTH)::TIMESTAMP) AS days_in_month
),
compared AS (
    SELECT k.month, k.segment, k.metric, p.plan_value,
        CASE WHEN k.month <= a.month THEN coalesce(f.fact, 0) END AS fact,
        a.month AS as_of_month, a.days_elapsed, a.days_in_month
    FROM plan_and_fact_keys AS k
    CROSS JOIN as_of_month AS a
    LEFT JOIN plans AS p
        ON p.plan_month = k.month AND p.segment = k.segment AND p.metric = k.metric
    LEFT JOIN facts AS f
        ON f.month = k.month AND f.segment = k.segment AND f.metric = k.metric
)
SELECT month, segment, metric,
    CAST(round(plan_value, 2) AS DECIMAL(38, 2)) AS plan_value,
    CAST(round(fact, 2) AS DECIMAL(38, 2)) AS fact,
    CAST(round(100 * CAST(CAST(fact AS DOUBLE) / nullif(CAST(plan_value AS DOUBLE), 0)
        AS DECIMAL(38, 10)), 2) AS DECIMAL(38, 2)) AS pct_of_plan,
    CAST(round(CASE
        WHEN month < as_of_month THEN fact
        WHEN month = as_of_month THEN CAST(
            CAST(fact * days_in_month AS DOUBLE) / nullif(CAST(days_elapsed AS DOUBLE), 0)
            AS DECIMAL(38, 10))
    END, 2) AS DECIMAL(38, 2)) AS run_rate_forecast
FROM compared;
