"""Every validation the pipeline runs before publication: the data it reads, what it expects.

A validation is one Great Expectations suite over one frame: a query on the candidate
warehouse that returns just the rows and columns the expectations need (an aggregate where
the rule is about totals), so a large warehouse is never pulled into memory whole. The suites
in `expectations/gx/` are written from these declarations (`python -m
orchestration.lib.quality.project`), so the files in the repository are what this code says.

Severity: a `critical` expectation blocks publication; a `warning` shows in the run summary,
the Dagster UI and Data Docs, and the numbers are published anyway. Bounds of the warnings are
suite parameters, filled at run time from the environment (`Bounds`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta

from orchestration.lib.entities import (
    ACTIVITY_TYPES,
    DEAL_STATUSES,
    PAYMENT_KINDS,
    PAYMENT_STATUSES,
    PLAN_SEGMENTS,
    SEGMENTS,
    TEAMS,
)
from orchestration.lib.settings import ENV_PREFIX, Settings, SettingsError


class _Expectations:
    """`great_expectations.expectations`, imported when an expectation is first built:
    importing Great Expectations takes seconds, and what only names the checks (Dagster's
    definitions, the CLI) never builds one."""

    def __getattr__(self, name: str):
        import great_expectations.expectations as expectations

        return getattr(expectations, name)


gxe = _Expectations()

WARNING = "warning"
LEAD_SEGMENTS = (*SEGMENTS, "unknown")
UNATTRIBUTED = "unattributed"


@dataclass(frozen=True)
class Bounds:
    """Configurable bounds of the warning expectations; each is `ONEFUNNEL_<NAME>` in the
    environment (upper case), e.g. `ONEFUNNEL_MAX_REJECTED_SHARE=0.5`."""

    min_implicit_handover_share: float = 0.0
    max_implicit_handover_share: float = 0.3
    min_rejected_share: float = 0.0
    max_rejected_share: float = 0.4
    max_unattributed_revenue_share: float = 0.1
    max_quarantine_share: float = 0.05
    # days between as_of and the newest record of a daily source before it counts as stale
    max_source_lag_days: int = 3
    earliest_date: str = "2000-01-01"
    # how far past as_of a timestamp may lie before it looks like a typo (a future date is
    # legitimate — it is ignored until its day comes — a date decades ahead is not)
    max_days_after_as_of: int = 366

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Bounds:
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw in (None, ""):
                continue
            try:
                values[f.name] = type(getattr(cls, f.name))(raw)
            except ValueError as exc:
                raise SettingsError(f"{f.name}: {raw!r} is not a valid value") from exc
        return cls(**values)

    def parameters(self, settings: Settings) -> dict:
        """Suite parameters for one run (`$PARAMETER` values in the suites). Dates are
        `datetime`: pandas and Spark compare with it, and SQLAlchemy can render it in the text
        of GX's offending-row query, which it cannot do with a pandas Timestamp."""
        import pandas as pd

        as_of = pd.Timestamp(settings.reporting_date()).to_pydatetime()
        return {
            **{f.name: getattr(self, f.name) for f in fields(self)},
            "earliest_date": pd.Timestamp(self.earliest_date).to_pydatetime(),
            "latest_date": as_of + timedelta(days=self.max_days_after_as_of),
        }


def param(name: str) -> dict:
    return {"$PARAMETER": name}


@dataclass(frozen=True)
class Validation:
    """One suite over one frame, run as one Dagster asset check on the asset it guards."""

    name: str  # suite, validation definition and checkpoint name: `<area>.<frame>`
    # the Dagster asset key it guards; empty when `split_by` names the landing entity of each
    # row and every entity's asset gets its own result
    asset: tuple[str, ...]
    description: str
    frame_sql: Callable[[Settings], str]
    expectations: Callable[[], list]
    # columns that identify an offending row in the run summary and Data Docs
    index_columns: tuple[str, ...] = ()
    # per-row results of some frames belong to several assets (one row per landing entity)
    split_by: str | None = None
    runtime_values: dict[str, str] = field(default_factory=dict)
    # A blocking suite has a critical expectation: when one fails, publication refuses.
    # Declared rather than read from the expectations, so that Dagster's definitions need no
    # Great Expectations import; a test holds the two to each other.
    blocking: bool = True

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def check_name(self) -> str:
        return self.name.replace(".", "_")


def _tz(settings: Settings) -> str:
    return settings.timezone.replace("'", "''")


def _as_of(settings: Settings) -> str:
    return settings.reporting_date().isoformat()


def _table(settings: Settings, relation: str) -> str:
    """`schema.table` where this run's dbt built it (a candidate schema on a shared database)."""
    schema, table = relation.split(".")
    return f"{settings.candidate_schema(schema)}.{table}"


# Where Spark SQL spells a frame differently from DuckDB and PostgreSQL (which share these).
SPARK = "spark"


def _local_date(column: str, settings: Settings) -> str:
    if settings.target == SPARK:
        # a Spark TIMESTAMP is an instant (shown in the UTC session zone); from_utc_timestamp
        # gives its wall-clock time in the reporting zone
        return f"to_date(from_utc_timestamp({column}, '{_tz(settings)}'))"
    return f"cast(({column} at time zone 'UTC') at time zone '{_tz(settings)}' as date)"


def _double(settings: Settings) -> str:
    return "double" if settings.target == SPARK else "double precision"


def _text(settings: Settings) -> str:
    # Spark's varchar needs a length; its text type is `string`
    return "string" if settings.target == SPARK else "varchar"


def _days_between(later: str, earlier: str, settings: Settings) -> str:
    # Spark's date - date is an interval, not a number of days
    if settings.target == SPARK:
        return f"datediff({later}, {earlier})"
    return f"{later} - {earlier}"


# ---------------------------------------------------------------- attribution transition


def _handovers_sql(settings: Settings) -> str:
    return f"""
        select lead_id, handover_at, created_at, segment, channel, is_implicit_handover, verdict
        from {_table(settings, "core.fct_handovers")}
    """


def _handovers_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="lead_id"),
        gxe.ExpectColumnValuesToBeUnique(
            column="lead_id", description="Each lead is counted at most once by handover."
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="handover_at",
            column_B="created_at",
            or_equal=True,
            description="A lead is handed over on or after its creation.",
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="segment"),
        gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=list(LEAD_SEGMENTS)),
        gxe.ExpectColumnValuesToNotBeNull(column="channel"),
        gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=param("lead_channels")),
    ]


def _transition_totals_sql(settings: Settings) -> str:
    # Per segment and channel over the whole history, plus one row for everything: the two
    # attributions count the same SQLs in different months, so their totals must agree with
    # each other, with the handover mart and with the handover facts.
    return f"""
        with per_source as (
            select segment, channel,
                sum(sql_count_by_creation) as by_creation,
                sum(sql_count_by_handover) as by_handover,
                0 as in_handover_mart,
                0 as handed_over_leads
            from {_table(settings, "marts.attribution_transition_monthly")}
            group by segment, channel
            union all
            select segment, channel, 0, 0, sum(sql_count), 0
            from {_table(settings, "marts.sql_by_handover_monthly")}
            group by segment, channel
            union all
            select segment, channel, 0, 0, 0, count(*)
            from {_table(settings, "core.fct_handovers")}
            group by segment, channel
        ),
        -- grouping matches NULL with NULL, as the comparison of totals needs
        per_group as (
            select segment, channel,
                sum(by_creation) as by_creation,
                sum(by_handover) as by_handover,
                sum(in_handover_mart) as in_handover_mart,
                sum(handed_over_leads) as handed_over_leads
            from per_source
            group by segment, channel
        )
        select segment, channel, by_creation, by_handover, in_handover_mart, handed_over_leads
        from per_group
        union all
        select '(all)', '(all)', coalesce(sum(by_creation), 0), coalesce(sum(by_handover), 0),
            coalesce(sum(in_handover_mart), 0), coalesce(sum(handed_over_leads), 0)
        from per_group
        order by segment, channel
    """


def _transition_totals_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="segment", description="Every SQL has a segment."),
        gxe.ExpectColumnValuesToNotBeNull(column="channel", description="Every SQL has a channel."),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="by_creation",
            column_B="by_handover",
            description="Over the whole history, SQLs by creation month and by handover month "
            "total the same, per segment and channel and overall.",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="by_handover",
            column_B="in_handover_mart",
            description="The transition mart and sql_by_handover_monthly count the same SQLs.",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="by_handover",
            column_B="handed_over_leads",
            description="The marts count exactly the handed-over leads of the facts.",
        ),
    ]


def _sql_shares_sql(settings: Settings) -> str:
    return f"""
        select
            count(*) as sql_count,
            avg(case when is_implicit_handover then 1.0 else 0.0 end) as implicit_handover_share,
            avg(case when is_rejected then 1.0 else 0.0 end) as rejected_share
        from {_table(settings, "core.fct_handovers")}
    """


def _sql_shares_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="implicit_handover_share",
            min_value=param("min_implicit_handover_share"),
            max_value=param("max_implicit_handover_share"),
            severity=WARNING,
            description="Share of SQLs handed over implicitly (a deal without an sql event).",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="rejected_share",
            min_value=param("min_rejected_share"),
            max_value=param("max_rejected_share"),
            severity=WARNING,
            description="Share of SQLs that sales rejected.",
        ),
    ]


# ---------------------------------------------------------------- revenue


def _payments_sql(settings: Settings) -> str:
    return (
        "select payment_id, status, payment_kind, paid_at"
        f" from {_table(settings, 'core.fct_payments')}"
    )


def _payments_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="payment_id"),
        gxe.ExpectColumnValuesToBeUnique(
            column="payment_id", description="No payment is counted twice."
        ),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(PAYMENT_STATUSES)),
        gxe.ExpectColumnValuesToBeInSet(column="payment_kind", value_set=list(PAYMENT_KINDS)),
    ]


def _fx_coverage_sql(settings: Settings) -> str:
    return f"""
        select 'payment' as money_row, payment_id as row_key, currency, has_fx_rate
        from {_table(settings, "core.fct_payments")}
        where status = 'succeeded'
        union all
        select 'ad spend', ad_platform || ' ' || campaign_id || ' ' || cast(spend_date as {_text(settings)}),
            currency, has_fx_rate
        from {_table(settings, "core.fct_ad_spend_daily")}
        union all
        select 'marketing cost', channel || ' ' || category || ' ' || cast(cost_month as {_text(settings)}),
            currency, has_fx_rate
        from {_table(settings, "core.fct_marketing_costs_monthly")}
    """


def _fx_coverage_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="has_fx_rate",
            value_set=[True],
            description="Every succeeded payment, spend day and cost has a usable fx rate: "
            "the rate of its day or the latest earlier one (the base currency converts at 1).",
        ),
    ]


def _revenue_reconciliation_sql(settings: Settings) -> str:
    # Recomputed from staging, not from the facts the mart is built on: the rate of the
    # payment's day (or the latest earlier) through an as-of join. Each mart row is rounded to
    # cents once, so a month's mart total may differ from the rounded month by half a cent per
    # mart row; anything more is a counting error.
    base = settings.base_currency.replace("'", "''")
    paid_date = _local_date("p.paid_at", settings)
    return f"""
        with payments as (
            select p.payment_id, p.amount, p.currency, p.payment_kind,
                {paid_date} as paid_date
            from {_table(settings, "staging.stg_payments__payments")} as p
            where p.status = 'succeeded' and {paid_date} <= date '{_as_of(settings)}'
        ),
        converted as (
            select
                cast(date_trunc('month', payments.paid_date) as date) as month,
                payments.payment_kind,
                payments.amount * case when payments.currency = '{base}' then 1
                    else rates.rate_to_base end as amount_base
            from payments
            {_rate_of_paid_date(settings)}
        ),
        staged as (
            select month,
                round(sum(case when payment_kind = 'payment' then amount_base
                    else -amount_base end), 2) as staged_revenue,
                count(*) filter (where payment_kind = 'payment') as staged_payments_count,
                round(coalesce(sum(amount_base) filter (where payment_kind = 'refund'), 0), 2)
                    as staged_refunds_amount
            from converted
            group by month
        ),
        mart as (
            select month, sum(revenue) as mart_revenue, sum(payments_count) as mart_payments_count,
                sum(refunds_amount) as mart_refunds_amount, count(*) as mart_rows
            from {_table(settings, "marts.revenue_by_payment_monthly")}
            group by month
        )
        select
            cast(coalesce(mart.month, staged.month) as date) as month,
            cast(mart.mart_revenue as {_double(settings)}) as mart_revenue,
            cast(staged.staged_revenue as {_double(settings)}) as staged_revenue,
            coalesce(mart.mart_payments_count, 0) as mart_payments_count,
            coalesce(staged.staged_payments_count, 0) as staged_payments_count,
            abs(coalesce(mart.mart_revenue, 0) - coalesce(staged.staged_revenue, 0))
                + abs(coalesce(mart.mart_refunds_amount, 0)
                    - coalesce(staged.staged_refunds_amount, 0)) as gap,
            0.005 * greatest(coalesce(mart.mart_rows, 0), 1) + 1e-9 as tolerance
        from mart
        full join staged on staged.month = mart.month
        order by month
    """


def _rate_of_paid_date(settings: Settings) -> str:
    """Join each payment to the rate of its day or the latest earlier one: DuckDB's as-of join,
    elsewhere a join on the range each rate applies to (same rows; (rate_date, currency) is
    the key), which reads the rates once rather than once per payment."""
    rates = _table(settings, "staging.stg_finance__fx_rates")
    if settings.target == "duckdb":
        return f"""asof left join {rates} as rates
                on rates.currency = payments.currency
                and rates.rate_date <= payments.paid_date"""
    return f"""left join (
                select currency, rate_date, rate_to_base,
                    lead(rate_date) over (partition by currency order by rate_date)
                        as next_rate_date
                from {rates}
            ) as rates
                on rates.currency = payments.currency
                and rates.rate_date <= payments.paid_date
                and (rates.next_rate_date is null or payments.paid_date < rates.next_rate_date)"""


def _revenue_reconciliation_expectations() -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="tolerance",
            column_B="gap",
            or_equal=True,
            description="Mart revenue and refunds per month equal staged succeeded payments "
            "converted at their day's rate, to the cent (half a cent of rounding per mart row).",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="mart_payments_count",
            column_B="staged_payments_count",
            description="Every succeeded payment in the mart once, and no other.",
        ),
    ]


def _revenue_shares_sql(settings: Settings) -> str:
    return f"""
        select
            sum(revenue) as revenue,
            sum(revenue) filter (where channel = '{UNATTRIBUTED}') as unattributed_revenue,
            case when sum(revenue) > 0 then
                coalesce(sum(revenue) filter (where channel = '{UNATTRIBUTED}'), 0) / sum(revenue)
            end as unattributed_revenue_share
        from {_table(settings, "marts.revenue_by_payment_monthly")}
    """


def _revenue_shares_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="unattributed_revenue_share",
            max_value=param("max_unattributed_revenue_share"),
            severity=WARNING,
            description="Revenue that cannot be traced to a lead stays a small share.",
        ),
    ]


# ---------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceRules:
    model: str
    key: tuple[str, ...]
    enums: dict[str, tuple[str, ...] | str] = field(default_factory=dict)
    non_negative: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    dated: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        listed = (*self.key, *self.enums, *self.non_negative, *self.positive, *self.dated)
        return tuple(dict.fromkeys(listed))


SOURCE_RULES = (
    SourceRules("stg_crm__leads", ("lead_id",), {"segment": LEAD_SEGMENTS}, dated=("created_at",)),
    SourceRules(
        "stg_crm__lead_events",
        ("event_id",),
        {"crm_stage": "crm_stages"},
        dated=("occurred_at",),
    ),
    SourceRules(
        "stg_crm__deals",
        ("deal_id",),
        {"status": DEAL_STATUSES},
        non_negative=("amount",),
        dated=("created_at", "closed_at"),
    ),
    SourceRules(
        "stg_crm__activities",
        ("activity_id",),
        {"activity_type": ACTIVITY_TYPES},
        dated=("occurred_at",),
    ),
    SourceRules("stg_crm__users", ("user_id",), {"team": TEAMS, "segment": LEAD_SEGMENTS}),
    *(
        SourceRules(
            f"stg_ads__{platform}",
            ("spend_date", "campaign_id"),
            non_negative=("spend", "impressions", "clicks"),
            dated=("spend_date",),
        )
        for platform in ("google_ads", "meta_ads", "yandex_direct")
    ),
    SourceRules(
        "stg_payments__payments",
        ("payment_id",),
        {"status": PAYMENT_STATUSES, "payment_kind": PAYMENT_KINDS},
        non_negative=("amount",),
        dated=("paid_at",),
    ),
    SourceRules(
        "stg_finance__fx_rates",
        ("rate_date", "currency"),
        positive=("rate_to_base",),
        dated=("rate_date",),
    ),
    SourceRules(
        "stg_finance__plans",
        ("plan_month", "segment", "metric"),
        {"segment": PLAN_SEGMENTS, "metric": ("sql", "revenue")},
        dated=("plan_month",),
    ),
    SourceRules(
        "stg_finance__marketing_costs",
        ("cost_month", "channel", "category"),
        non_negative=("amount",),
        dated=("cost_month",),
    ),
)


def _source_sql(rules: SourceRules) -> Callable[[Settings], str]:
    def sql(settings: Settings) -> str:
        columns = ", ".join(rules.columns)
        return f"select {columns} from {_table(settings, 'staging.' + rules.model)}"

    return sql


def _source_expectations(rules: SourceRules) -> Callable[[], list]:
    def expectations() -> list:
        checks: list = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in rules.key]
        if len(rules.key) == 1:
            checks.append(
                gxe.ExpectColumnValuesToBeUnique(
                    column=rules.key[0], description="Keys are unique after replacement."
                )
            )
        else:
            checks.append(
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=list(rules.key), description="Keys are unique after replacement."
                )
            )
        for column, values in rules.enums.items():
            value_set = param(values) if isinstance(values, str) else list(values)
            checks.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=value_set))
        checks += [
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in rules.non_negative
        ]
        checks += [
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
            for c in rules.positive
        ]
        checks += [
            gxe.ExpectColumnValuesToBeBetween(
                column=c,
                min_value=param("earliest_date"),
                max_value=param("latest_date"),
                severity=WARNING,
                description="Dates inside a sane window: not before `earliest_date`, not more "
                "than `max_days_after_as_of` after as_of.",
            )
            for c in rules.dated
        ]
        return checks

    return expectations


def _ingestion_sql(settings: Settings) -> str:
    return f"""
        select
            replace(entity, '__', '/') as entity,
            rows_read,
            rows_staged + rows_quarantined as rows_accounted,
            case when rows_read > 0 then cast(rows_quarantined as {_double(settings)}) / rows_read
                else 0 end
                as quarantine_share
        from raw.ingestion_log
        order by entity
    """


def _ingestion_expectations() -> list:
    return [
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="rows_read",
            column_B="rows_accounted",
            description="Rows read = rows staged + rows quarantined, for every entity.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="quarantine_share",
            max_value=param("max_quarantine_share"),
            severity=WARNING,
            description="Quarantined rows stay a small share of what was read.",
        ),
    ]


# Daily sources and the date that tells how current each is (monthly finance files and the
# user list have no such date).
FRESHNESS_DATES = (
    ("crm/leads", "stg_crm__leads", "created_at"),
    ("crm/lead_events", "stg_crm__lead_events", "occurred_at"),
    ("crm/deals", "stg_crm__deals", "created_at"),
    ("crm/activities", "stg_crm__activities", "occurred_at"),
    ("ads/google_ads", "stg_ads__google_ads", "spend_date"),
    ("ads/meta_ads", "stg_ads__meta_ads", "spend_date"),
    ("ads/yandex_direct", "stg_ads__yandex_direct", "spend_date"),
    ("payments/payments", "stg_payments__payments", "paid_at"),
    ("finance/fx_rates", "stg_finance__fx_rates", "rate_date"),
)


def _end_of_as_of_utc(settings: Settings) -> str:
    """The UTC instant at which the day after as_of begins in the reporting zone, as a
    timestamp literal: a timestamp before it is dated on or before as_of."""
    end = settings.end_of_day_utc(settings.reporting_date())
    return f"timestamp '{end.isoformat(sep=' ')}'"


def _freshness_sql(settings: Settings) -> str:
    as_of = f"date '{_as_of(settings)}'"
    parts = []
    for entity, model, column in FRESHNESS_DATES:
        if column.endswith("_at"):
            # The local date rises with the instant (unless a zone sets its clocks back across
            # midnight): the newest day on or before as_of is the date of the newest instant
            # before the end of as_of, converted once rather than for each of millions of rows.
            newest = _local_date(f"max({column})", settings)
            within = f"{column} < {_end_of_as_of_utc(settings)}"
        else:
            newest, within = f"max({column})", f"{column} <= {as_of}"
        parts.append(
            f"select '{entity}' as entity, {newest} as newest_date"
            f" from {_table(settings, 'staging.' + model)}"
            f" where {within}"
        )
    return f"""
        with newest as ({" union all ".join(parts)})
        select entity, newest_date, {_days_between(as_of, "newest_date", settings)} as lag_days
        from newest
        order by entity
    """


def _freshness_expectations() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="lag_days",
            max_value=param("max_source_lag_days"),
            severity=WARNING,
            description="The newest record of each daily source is at most "
            "`max_source_lag_days` before as_of (an absent optional source is not stale).",
        ),
    ]


def _staging_asset(model: str) -> tuple[str, ...]:
    return ("staging", model)


VALIDATIONS: tuple[Validation, ...] = (
    Validation(
        "attribution_transition.handovers",
        ("marts", "sql_by_handover_monthly"),
        "One row per SQL: counted once, handed over after creation, with segment and channel.",
        _handovers_sql,
        _handovers_expectations,
        index_columns=("lead_id",),
    ),
    Validation(
        "attribution_transition.totals",
        ("marts", "attribution_transition_monthly"),
        "SQLs by creation and by handover total the same, per segment × channel and overall.",
        _transition_totals_sql,
        _transition_totals_expectations,
        index_columns=("segment", "channel"),
    ),
    Validation(
        "attribution_transition.shares",
        ("marts", "sql_by_handover_monthly"),
        "Implicit-handover and rejected shares of SQLs within their bounds (warnings).",
        _sql_shares_sql,
        _sql_shares_expectations,
        index_columns=("sql_count",),
        blocking=False,
    ),
    Validation(
        "revenue.payments",
        ("marts", "revenue_by_payment_monthly"),
        "No payment counted twice; statuses and kinds known.",
        _payments_sql,
        _payments_expectations,
        index_columns=("payment_id",),
    ),
    Validation(
        "revenue.fx_coverage",
        ("marts", "revenue_by_payment_monthly"),
        "Every succeeded payment, spend day and marketing cost has a usable fx rate.",
        _fx_coverage_sql,
        _fx_coverage_expectations,
        index_columns=("money_row", "row_key", "currency"),
    ),
    Validation(
        "revenue.reconciliation",
        ("marts", "revenue_by_payment_monthly"),
        "Mart revenue per month equals staged succeeded payments, converted, to the cent.",
        _revenue_reconciliation_sql,
        _revenue_reconciliation_expectations,
        index_columns=("month",),
    ),
    Validation(
        "revenue.shares",
        ("marts", "revenue_by_payment_monthly"),
        "Unattributed revenue share under its bound (warning).",
        _revenue_shares_sql,
        _revenue_shares_expectations,
        index_columns=("revenue",),
        blocking=False,
    ),
    *(
        Validation(
            f"sources.{rules.model.removeprefix('stg_')}",
            _staging_asset(rules.model),
            f"Keys, enums, amounts and dates of {rules.model} after replacement.",
            _source_sql(rules),
            _source_expectations(rules),
            index_columns=rules.key,
        )
        for rules in SOURCE_RULES
    ),
    Validation(
        "sources.ingestion",
        (),
        "Per landing entity: every row read is staged or quarantined; quarantine share bounded.",
        _ingestion_sql,
        _ingestion_expectations,
        index_columns=("entity",),
        split_by="entity",
    ),
    Validation(
        "sources.freshness",
        (),
        "Per daily landing entity: the newest record is recent enough (warning).",
        _freshness_sql,
        _freshness_expectations,
        index_columns=("entity",),
        split_by="entity",
        blocking=False,
    ),
)


def validation(name: str) -> Validation:
    for v in VALIDATIONS:
        if v.name == name:
            return v
    raise KeyError(name)
