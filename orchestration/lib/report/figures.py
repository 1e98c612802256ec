"""The figures of the weekly alignment report, read from the published warehouse only.

Monthly figures come from the marts as published. The marts are monthly, so weekly figures
come from the published facts (`core`), counted by the same rules:

* **week**: the 7 days ending on `as_of`, inclusive (`as_of − 6 … as_of`); the previous week
  is the 7 days before it (`as_of − 13 … as_of − 7`). Days are those of the reporting time
  zone, like every day of the facts.
* **month to date**: the 1st of `as_of`'s month up to `as_of` — the marts' current month,
  since nothing after `as_of` is counted; it is compared with the same days of the previous
  month (up to its last day when it is shorter) and with the whole previous month.

Funnel stages are reached as in `funnel_conversion_monthly` (basis `period`): each stage in
the day it happened, a skipped stage at the next stage's time. Revenue is cash by payment day,
spend the ad platforms' days (other marketing costs are monthly and only in the monthly
figures).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.lib.settings import day_start_utc

STAGES = ("lead", "mql", "sql", "accepted", "won")
STAGE_LABELS = {
    "lead": "Leads created",
    "mql": "MQL",
    "sql": "SQL (handed over)",
    "accepted": "Accepted by sales",
    "won": "Won",
}
# The measures the movers are ranked on, with how they are shown.
MOVER_MEASURES = ("sql", "lead", "won", "revenue", "ad_spend")
MEASURE_LABELS = {**STAGE_LABELS, "sql": "SQLs", "revenue": "Revenue", "ad_spend": "Ad spend"}
MONEY_MEASURES = ("revenue", "ad_spend")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def span(self) -> str:
        if self.start == self.end:
            return f"{self.start:%b} {self.start.day}"
        if self.start.month == self.end.month:
            return f"{self.start:%b} {self.start.day}–{self.end.day}"
        return f"{self.start:%b} {self.start.day} – {self.end:%b} {self.end.day}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


@dataclass(frozen=True)
class Periods:
    as_of: date

    @property
    def week(self) -> Period:
        return Period("This week", self.as_of - timedelta(days=6), self.as_of)

    @property
    def previous_week(self) -> Period:
        return Period("Previous week", self.as_of - timedelta(days=13), self.as_of - timedelta(7))

    @property
    def month(self) -> date:
        return month_start(self.as_of)

    @property
    def previous_month(self) -> date:
        return previous_month_start(self.as_of)

    @property
    def month_to_date(self) -> Period:
        return Period(f"{self.as_of:%B} to date", self.month, self.as_of)

    @property
    def previous_month_to_date(self) -> Period:
        start = self.previous_month
        last = min(self.as_of.day, days_in_month(start))
        return Period(f"Same days of {start:%B}", start, start.replace(day=last))


@dataclass(frozen=True)
class DailyFact:
    """One measure of one day, segment and channel, from the published facts."""

    measure: str
    day: date
    segment: str
    channel: str
    value: Decimal


@dataclass
class ReportFigures:
    as_of: date
    timezone: str
    base_currency: str
    run_id: str
    published_at: object
    daily: list[DailyFact] = field(default_factory=list)
    # marts as published, as lists of dicts (column name → value)
    funnel_monthly: list[dict] = field(default_factory=list)
    plan_vs_fact: list[dict] = field(default_factory=list)
    channel_economics: list[dict] = field(default_factory=list)
    sla_handover: list[dict] = field(default_factory=list)
    sla_sql_minimum: list[dict] = field(default_factory=list)
    recycling: list[dict] = field(default_factory=list)
    recycling_by_marketer: list[dict] = field(default_factory=list)

    @property
    def periods(self) -> Periods:
        return Periods(self.as_of)

    def total(self, measure: str, period: Period, **where: str) -> Decimal:
        return sum(
            (
                f.value
                for f in self.daily
                if f.measure == measure
                and f.day in period
                and all(getattr(f, k) == v for k, v in where.items())
            ),
            Decimal(0),
        )

    def by(self, measure: str, period: Period, dimension: str) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for f in self.daily:
            if f.measure == measure and f.day in period:
                totals[getattr(f, dimension)] += f.value
        return dict(totals)

    def cumulative(self, measure: str, period: Period) -> list[tuple[date, Decimal]]:
        """Running total of `measure` at the end of each day of `period`."""
        per_day: dict[date, Decimal] = defaultdict(Decimal)
        for f in self.daily:
            if f.measure == measure and f.day in period:
                per_day[f.day] += f.value
        running, points = Decimal(0), []
        day = period.start
        while day <= period.end:
            running += per_day.get(day, Decimal(0))
            points.append((day, running))
            day += timedelta(days=1)
        return points

    def funnel_month(self, month: date) -> dict[str, int]:
        """Stage counts of a month from `funnel_conversion_monthly` (basis `period`)."""
        columns = {"lead": "leads_count", "mql": "mql_count", "sql": "sql_count"}
        columns |= {"accepted": "accepted_count", "won": "won_count"}
        rows = [r for r in self.funnel_monthly if r["month"] == month]
        return {stage: sum(int(r[column]) for r in rows) for stage, column in columns.items()}

    def plan_rows(self, month: date) -> list[dict]:
        return [r for r in self.plan_vs_fact if r["month"] == month]

    def plan_row(self, month: date, metric: str, segment: str = "all") -> dict | None:
        for r in self.plan_vs_fact:
            if r["month"] == month and r["metric"] == metric and r["segment"] == segment:
                return r
        return None

    def rows_of(self, table: str, month: date) -> list[dict]:
        return [r for r in getattr(self, table) if r["month"] == month]


# Each lead's way through the funnel as in int_lead_stages_reached, from core.fct_leads.
# `$tz` is the published reporting time zone: facts hold UTC timestamps.
STAGE_DAYS_SQL = """
with milestones as (
    select
        segment,
        channel,
        created_at as lead_at,
        case
            when handover_at is null then first_mql_at
            when first_mql_at is null then handover_at
            when first_mql_at < handover_at then first_mql_at
            else handover_at
        end as mql_at,
        handover_at as sql_at,
        case
            when verdict = 'accepted' then verdict_at
            when first_deal_created_at is null then null
            when first_deal_created_at < handover_at then handover_at
            else first_deal_created_at
        end as accepted_at,
        first_won_at as won_at
    from core.fct_leads
),
reached as (
    unpivot milestones on lead_at, mql_at, sql_at, accepted_at, won_at
    into name stage value reached_at
)
select
    replace(stage, '_at', '') as measure,
    cast(timezone($tz, timezone('UTC', reached_at)) as date) as day,
    segment,
    channel,
    count(*) as value
from reached
where reached_at >= $since_utc
group by all
"""

MONEY_DAYS_SQL = """
select 'revenue' as measure, paid_date as day, segment, channel, sum(revenue_base) as value
from core.fct_payments
where status = 'succeeded' and paid_date between $since and $as_of
group by all
union all
select 'ad_spend', spend_date, 'unknown', channel, sum(spend_base)
from core.fct_ad_spend_daily
where spend_date between $since and $as_of
group by all
"""


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_figures(warehouse: Path) -> ReportFigures:
    """Everything the report shows, from the published warehouse opened read-only."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        publication = _dicts(
            con,
            "select run_id, published_at, as_of, timezone, base_currency"
            " from audit.publication order by published_at desc limit 1",
        )
        if not publication:
            raise ValueError(f"{warehouse} holds no publication record")
        p = publication[0]
        figures = ReportFigures(
            as_of=p["as_of"],
            timezone=p["timezone"],
            base_currency=p["base_currency"],
            run_id=p["run_id"],
            published_at=p["published_at"],
        )
        # Every period the report shows starts on or after the previous month's first day
        # (`Periods`): the days before it are not read, nor summed again for every figure.
        first_day = previous_month_start(figures.as_of)
        stage_rows = con.execute(
            STAGE_DAYS_SQL,
            {"tz": figures.timezone, "since_utc": day_start_utc(first_day, figures.timezone)},
        ).fetchall()
        money_rows = con.execute(
            MONEY_DAYS_SQL, {"since": first_day, "as_of": figures.as_of}
        ).fetchall()
        figures.daily = [
            DailyFact(measure, day, segment, channel, Decimal(value or 0))
            for measure, day, segment, channel, value in [*stage_rows, *money_rows]
            if first_day <= day <= figures.as_of
        ]
        since = {"since": first_day}
        figures.funnel_monthly = _dicts(
            con,
            "select * from marts.funnel_conversion_monthly"
            " where basis = 'period' and month >= $since",
            since,
        )
        for attribute, table, order in (
            ("plan_vs_fact", "plan_vs_fact_monthly", "metric desc, segment = 'all' desc, segment"),
            ("channel_economics", "channel_economics_monthly", "channel"),
            ("sla_handover", "sla_handover_monthly", "segment"),
            ("sla_sql_minimum", "sla_sql_minimum_monthly", "channel"),
            (
                "recycling",
                "lead_recycling_monthly",
                "channel, rejected_count desc, rejection_reason",
            ),
            ("recycling_by_marketer", "lead_recycling_by_marketer_monthly", "marketer_id"),
        ):
            rows = _dicts(
                con,
                f"select * from marts.{table} where month >= $since order by month, {order}",
                since,
            )
            setattr(figures, attribute, rows)
    return figures
