"""What the weekly alignment report says: sections of bullet points, tables and charts, built
from `ReportFigures` and rendered the same way to Markdown (for a chat thread) and HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from orchestration.lib.report import charts
from orchestration.lib.report.figures import (
    MEASURE_LABELS,
    MONEY_MEASURES,
    MOVER_MEASURES,
    STAGE_LABELS,
    STAGES,
    Period,
    ReportFigures,
    days_in_month,
)

DASH = "—"
TOP_MOVERS = 3


@dataclass
class Table:
    key: str  # stable identifier: the HTML table's id
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    bullets: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # inline SVG, HTML only
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]
    headline: dict[str, object]  # a few numbers for the run's metadata


# --- formatting: one way per kind of number, in the Markdown and the HTML alike ---------------


def count(value) -> str:
    return DASH if value is None else f"{int(value):,}"


def money(value) -> str:
    return DASH if value is None else f"{Decimal(value):,.2f}"


def amount(value, is_money: bool) -> str:
    return money(value) if is_money else count(value)


def plan_value(value, metric: str) -> str:
    """SQL plans and facts are counts (a run-rate forecast may have a fraction)."""
    if value is None:
        return DASH
    value = Decimal(value)
    if metric == "sql" and value == value.to_integral_value():
        return count(value)
    return money(value)


def percent(value) -> str:
    """A value already in percent (pct_of_plan)."""
    return DASH if value is None else f"{Decimal(value):,.2f} %"


def ratio(value) -> str:
    """A ratio shown in percent (0.5 → 50.0 %)."""
    return DASH if value is None else f"{Decimal(value) * 100:,.1f} %"


def change(now, before, is_money: bool = False) -> str:
    if now is None or before is None:
        return DASH
    delta = Decimal(now) - Decimal(before)
    sign = "+" if delta > 0 else ""
    return sign + (money(delta) if is_money else count(delta))


def change_points(now: Decimal | None, before: Decimal | None) -> str:
    if now is None or before is None:
        return DASH
    delta = (now - before) * 100
    return f"{'+' if delta > 0 else ''}{delta:,.1f} pp"


def rate(numerator, denominator) -> Decimal | None:
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


# --- sections ---------------------------------------------------------------------------------


def funnel_section(f: ReportFigures) -> Section:
    p = f.periods
    weekly = {
        period.label: {stage: f.total(stage, period) for stage in STAGES}
        for period in (p.week, p.previous_week, p.previous_month_to_date)
    }
    this_week, last_week = weekly[p.week.label], weekly[p.previous_week.label]
    mtd, same_days = f.funnel_month(p.month), weekly[p.previous_month_to_date.label]
    previous_month = f.funnel_month(p.previous_month)
    previous_month_label = f"{p.previous_month:%B} (whole month)"
    columns = [
        f"{p.week.label} ({p.week.span})",
        f"{p.previous_week.label} ({p.previous_week.span})",
        "Change",
        f"{p.month_to_date.label} ({p.month_to_date.span})",
        f"{p.previous_month_to_date.label} ({p.previous_month_to_date.span})",
        "Change",
        previous_month_label,
    ]
    counts = Table(
        "funnel-counts",
        "Funnel stages: counts",
        ["Stage", *columns],
        [
            [
                STAGE_LABELS[s],
                count(this_week[s]),
                count(last_week[s]),
                change(this_week[s], last_week[s]),
                count(mtd[s]),
                count(same_days[s]),
                change(mtd[s], same_days[s]),
                count(previous_month[s]),
            ]
            for s in STAGES
        ],
        note="Each stage counts on the day it was reached (as `funnel_conversion_monthly`, basis "
        "`period`): month figures are that mart's, week and same-days figures are counted from "
        "`core.fct_leads` by the same rules.",
    )
    conversion_rows = []
    for before, after in zip(STAGES, STAGES[1:], strict=False):
        rates = [
            rate(values[after], values[before])
            for values in (this_week, last_week, mtd, same_days, previous_month)
        ]
        conversion_rows.append(
            [
                f"{STAGE_LABELS[before]} → {STAGE_LABELS[after]}",
                ratio(rates[0]),
                ratio(rates[1]),
                change_points(rates[0], rates[1]),
                ratio(rates[2]),
                ratio(rates[3]),
                change_points(rates[2], rates[3]),
                ratio(rates[4]),
            ]
        )
    conversion = Table(
        "funnel-conversion",
        "Funnel stages: conversion from the stage before",
        ["Step", *columns],
        conversion_rows,
        note="A step's conversion is the later stage's count over the earlier one's in the same "
        "period; the two counts can belong to different leads. pp = percentage points.",
    )
    stages = [
        charts.FunnelStage(
            STAGE_LABELS[s],
            mtd[s],
            int(same_days[s]),
            "" if i == 0 or not mtd[STAGES[i - 1]] else ratio(rate(mtd[s], mtd[STAGES[i - 1]])),
        )
        for i, s in enumerate(STAGES)
    ]
    chart = charts.funnel_chart(
        stages,
        f"{p.month_to_date.label} ({p.month_to_date.span})",
        f"{p.previous_month_to_date.label} ({p.previous_month_to_date.span})",
    )
    return Section("funnel", "Funnel", charts=[chart], tables=[counts, conversion])


def plan_section(f: ReportFigures) -> tuple[Section, list[str]]:
    p = f.periods
    rows, bullets = [], []
    for r in f.plan_rows(p.month):
        forecast_pct = (
            None
            if r["plan_value"] in (None, 0) or r["run_rate_forecast"] is None
            else round(Decimal(r["run_rate_forecast"]) * 100 / Decimal(r["plan_value"]), 2)
        )
        metric = r["metric"]
        rows.append(
            [
                "SQLs" if metric == "sql" else f"Revenue ({f.base_currency})",
                r["segment"],
                plan_value(r["plan_value"], metric),
                plan_value(r["fact"], metric),
                percent(r["pct_of_plan"]),
                plan_value(r["run_rate_forecast"], metric),
                percent(forecast_pct),
            ]
        )
    days, elapsed = days_in_month(p.as_of), p.as_of.day
    table = Table(
        "plan",
        f"{p.as_of:%B %Y}: plan, fact so far and run-rate forecast",
        [
            "Metric",
            "Segment",
            "Plan",
            "Fact so far",
            "% of plan",
            "Run-rate forecast",
            "Forecast % of plan",
        ],
        rows,
        note=f"From `plan_vs_fact_monthly`. Run rate = fact so far ÷ {elapsed} days elapsed × "
        f"{days} days in the month. Segment `all` is the whole company.",
    )
    chart_list = []
    for metric, title, is_money in (
        ("sql", "SQLs by handover, cumulative", False),
        ("revenue", f"Revenue ({f.base_currency}), cumulative", True),
    ):
        row = f.plan_row(p.month, metric) or {}
        chart_list.append(
            charts.plan_chart(
                title,
                f.cumulative(metric, p.month_to_date),
                days,
                row.get("run_rate_forecast"),
                row.get("plan_value"),
                money=is_money,
            )
        )
        label = "SQLs" if metric == "sql" else "Revenue"
        if not row:
            bullets.append(f"{label}: nothing counted in {p.as_of:%B} yet.")
            continue
        fact = plan_value(row["fact"], metric)
        forecast = plan_value(row["run_rate_forecast"], metric)
        if row["plan_value"] is None:
            bullets.append(
                f"{label}: {fact} so far in {p.as_of:%B}, run-rate forecast {forecast}; "
                "no company-wide plan for the month."
            )
            continue
        gap = Decimal(row["run_rate_forecast"] or 0) - Decimal(row["plan_value"])
        verdict = (
            f"on track, {plan_value(gap, metric)} above plan"
            if gap >= 0
            else f"behind: {plan_value(-gap, metric)} short of plan"
        )
        bullets.append(
            f"{label}: {fact} so far in {p.as_of:%B}, {percent(row['pct_of_plan'])} of the plan "
            f"of {plan_value(row['plan_value'], metric)}; run-rate forecast {forecast} — {verdict}."
        )
    section = Section(
        "plan",
        "SQL and revenue against plan",
        charts=chart_list,
        tables=[table],
    )
    return section, bullets


def channel_section(f: ReportFigures) -> Section:
    p = f.periods
    current = {r["channel"]: r for r in f.rows_of("channel_economics", p.month)}
    previous = {r["channel"]: r for r in f.rows_of("channel_economics", p.previous_month)}
    rows, bars = [], []
    for channel in sorted(current.keys() | previous.keys()):
        r = current.get(channel, {})
        before = previous.get(channel, {})
        if not r and before.get("romi") is None:
            continue  # nothing this month and nothing to compare with
        rows.append(
            [
                channel,
                money(r.get("spend")),
                count(r.get("leads_created")),
                count(r.get("sql_count")),
                count(r.get("won_deals")),
                money(r.get("revenue")),
                money(r.get("cpl")),
                money(r.get("cost_per_sql")),
                money(r.get("cac")),
                ratio(r.get("romi")),
                ratio(before.get("romi")),
            ]
        )
        if r.get("romi") is not None or before.get("romi") is not None:
            bars.append(charts.RomiBar(channel, r.get("romi"), before.get("romi")))
    table = Table(
        "channels",
        f"Channel economics, {p.month_to_date.label} ({f.base_currency})",
        [
            "Channel",
            "Spend",
            "Leads",
            "SQLs",
            "Won deals",
            "Revenue",
            "CPL",
            "Cost per SQL",
            "CAC",
            "ROMI",
            f"ROMI {p.previous_month:%B}",
        ],
        rows,
        note="From `channel_economics_monthly`. ROMI = (revenue − spend) ÷ spend; empty where "
        "there was no spend. Spend includes the month's other marketing costs in full.",
    )
    chart = charts.romi_chart(bars, p.month_to_date.label, f"{p.previous_month:%B}")
    return Section("channels", "Channel economics", charts=[chart], tables=[table])


def sla_section(f: ReportFigures) -> tuple[Section, list[str]]:
    p = f.periods
    sla_rows = []
    for month in (p.month, p.previous_month):
        for r in f.rows_of("sla_handover", month):
            sla_rows.append(
                [
                    f"{month:%Y-%m}",
                    r["segment"],
                    count(r["handover_count"]),
                    count(r["within_sla_count"]),
                    count(r["breach_count"]),
                    count(r["pending_count"]),
                    ratio(r["within_sla_share"]),
                    DASH
                    if r["median_response_hours"] is None
                    else f"{Decimal(r['median_response_hours']):,.1f}",
                    count(r["response_target_hours"]),
                ]
            )
    sla = Table(
        "sla",
        "Handover SLA: sales' first response",
        [
            "Month",
            "Segment",
            "SQLs",
            "Within SLA",
            "Breaches",
            "Pending",
            "Share within SLA",
            "Median response (h)",
            "Target (h)",
        ],
        sla_rows,
        note="From `sla_handover_monthly`, by handover month. Share within SLA = within ÷ "
        "(within + breaches); pending SQLs are unanswered with the target not yet passed.",
    )
    minimum_rows = [
        [
            r["channel"],
            count(r["sql_count"]),
            count(r["min_sql_per_month"]),
            count(r["gap_to_minimum"]),
            {True: "yes", False: "no"}.get(r["is_minimum_met"], DASH),
        ]
        for r in f.rows_of("sla_sql_minimum", p.month)
    ]
    minimums = Table(
        "sql-minimums",
        f"SQL minimums per channel, {p.month_to_date.label}",
        ["Channel", "SQLs", "Monthly minimum", "Gap", "Met"],
        minimum_rows,
        note="From `sla_sql_minimum_monthly`: marketing's promised SQLs per channel and month.",
    )
    recycling_rows = [
        [
            f"{month:%Y-%m}",
            r["channel"],
            r["rejection_reason"],
            count(r["rejected_count"]),
            count(r["rehanded_over_count"]),
            count(r["won_later_count"]),
            ratio(r["channel_rejection_rate"]),
        ]
        for month in (p.month, p.previous_month)
        for r in f.rows_of("recycling", month)
    ]
    recycling = Table(
        "rejections",
        "Recycling: SQLs sales rejected",
        [
            "Month",
            "Channel",
            "Reason",
            "Rejected",
            "Re-handed over",
            "Won later",
            "Channel rejection rate",
        ],
        recycling_rows,
        note="From `lead_recycling_monthly`, by handover month; the channel's rejection rate is "
        "its rejected SQLs over its SQLs.",
    )
    marketer_rows = [
        [
            f"{month:%Y-%m}",
            r["marketer_id"],
            count(r["sql_count"]),
            count(r["rejected_count"]),
            ratio(r["rejection_rate"]),
        ]
        for month in (p.month, p.previous_month)
        for r in f.rows_of("recycling_by_marketer", month)
    ]
    marketers = Table(
        "rejections-by-marketer",
        "Rejections by marketer",
        ["Month", "Marketer", "SQLs", "Rejected", "Rejection rate"],
        marketer_rows,
        note="From `lead_recycling_by_marketer_monthly`.",
    )
    bullets = []
    current_sla = f.rows_of("sla_handover", p.month)
    within = sum(int(r["within_sla_count"]) for r in current_sla)
    breaches = sum(int(r["breach_count"]) for r in current_sla)
    pending = sum(int(r["pending_count"]) for r in current_sla)
    if current_sla:
        bullets.append(
            f"Handover SLA in {p.as_of:%B}: {within} of {within + breaches} answered SQLs within "
            f"target ({ratio(rate(within, within + breaches))}), {breaches} breach(es), "
            f"{pending} pending."
        )
    rejected = f.rows_of("recycling", p.month)
    if rejected:
        reasons: dict[str, int] = {}
        for r in rejected:
            reasons[r["rejection_reason"]] = reasons.get(r["rejection_reason"], 0) + int(
                r["rejected_count"]
            )
        top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        bullets.append(
            f"Sales rejected {sum(reasons.values())} of {p.as_of:%B}'s SQLs; most often "
            f"for `{top[0]}` ({top[1]})."
        )
    # is_minimum_met is NULL for a channel without a minimum: nothing to fall short of
    short = [r for r in f.rows_of("sla_sql_minimum", p.month) if r["is_minimum_met"] is False]
    if short:
        bullets.append(
            "Below the monthly SQL minimum so far: "
            + ", ".join(
                f"{r['channel']} ({count(r['sql_count'])} of {count(r['min_sql_per_month'])})"
                for r in short
            )
            + "."
        )
    section = Section(
        "sla",
        "SLA and recycling",
        tables=[sla, minimums, recycling, marketers],
    )
    return section, bullets


@dataclass(frozen=True)
class Mover:
    measure: str
    dimension: str
    name: str
    before: Decimal
    now: Decimal

    @property
    def delta(self) -> Decimal:
        return self.now - self.before


def movers(f: ReportFigures, now: Period, before: Period) -> list[Mover]:
    """Per measure, the channels and segments whose figure changed most, largest first."""
    found = []
    for measure in MOVER_MEASURES:
        candidates = []
        # ad spend has no segment: platforms report campaigns, not leads
        for dimension in ("channel",) if measure == "ad_spend" else ("channel", "segment"):
            current, previous = f.by(measure, now, dimension), f.by(measure, before, dimension)
            for name in current.keys() | previous.keys():
                mover = Mover(
                    measure,
                    dimension,
                    name,
                    previous.get(name, Decimal(0)),
                    current.get(name, Decimal(0)),
                )
                if mover.delta:
                    candidates.append(mover)
        candidates.sort(key=lambda m: (-abs(m.delta), m.dimension, m.name))
        found += candidates[:TOP_MOVERS]
    return found


def movers_table(key: str, title: str, found: list[Mover], now: Period, before: Period) -> Table:
    return Table(
        key,
        title,
        [
            "Measure",
            "By",
            "Name",
            f"{before.label} ({before.span})",
            f"{now.label} ({now.span})",
            "Change",
        ],
        [
            [
                MEASURE_LABELS[m.measure],
                m.dimension,
                m.name,
                amount(m.before, m.measure in MONEY_MEASURES),
                amount(m.now, m.measure in MONEY_MEASURES),
                change(m.now, m.before, m.measure in MONEY_MEASURES),
            ]
            for m in found
        ],
    )


def movers_section(f: ReportFigures) -> tuple[Section, list[str]]:
    p = f.periods
    weekly = movers(f, p.week, p.previous_week)
    monthly = movers(f, p.month_to_date, p.previous_month_to_date)
    tables = [
        movers_table("movers-week", "Week on week", weekly, p.week, p.previous_week),
        movers_table(
            "movers-month",
            f"{p.month_to_date.label} against the same days of {p.previous_month:%B}",
            monthly,
            p.month_to_date,
            p.previous_month_to_date,
        ),
    ]
    tables[0].note = (
        f"Up to {TOP_MOVERS} largest changes per measure, by channel and by segment, from the "
        "published facts. Won = leads whose first deal was won; ad spend by platform day, "
        "without the monthly marketing costs."
    )
    bullets = []
    for measure in ("sql", "revenue"):
        is_money = measure in MONEY_MEASURES
        ups = [m for m in weekly if m.measure == measure and m.delta > 0]
        downs = [m for m in weekly if m.measure == measure and m.delta < 0]
        label = MEASURE_LABELS[measure]
        if ups:
            m = ups[0]
            bullets.append(
                f"Went well: {label} {change(m.now, m.before, is_money)} week on week in "
                f"{m.dimension} {m.name} ({amount(m.before, is_money)} → "
                f"{amount(m.now, is_money)})."
            )
        if downs:
            m = downs[0]
            bullets.append(
                f"Went badly: {label} {change(m.now, m.before, is_money)} week on week in "
                f"{m.dimension} {m.name} ({amount(m.before, is_money)} → "
                f"{amount(m.now, is_money)})."
            )
    return Section("movers", "Biggest movers", tables=tables), bullets


def week_bullets(f: ReportFigures) -> list[str]:
    p = f.periods
    now, before = p.week, p.previous_week
    parts = []
    for measure in ("lead", "sql", "accepted", "won", "revenue"):
        is_money = measure in MONEY_MEASURES
        value, previous = f.total(measure, now), f.total(measure, before)
        parts.append(
            f"{MEASURE_LABELS[measure]} {amount(value, is_money)} "
            f"({change(value, previous, is_money) if value != previous else 'unchanged'})"
        )
    return [f"This week ({now.span}) against the previous ({before.span}): " + ", ".join(parts)]


def definitions_section(f: ReportFigures) -> Section:
    p = f.periods
    return Section(
        "definitions",
        "How to read this report",
        bullets=[
            f"Week: the 7 days ending on as_of, inclusive ({p.week.span}); the previous week is "
            f"the 7 days before ({p.previous_week.span}). Days are those of {f.timezone}.",
            f"Month to date: {p.month_to_date.span}, compared with the same days of the previous "
            f"month ({p.previous_month_to_date.span}) and with the whole previous month.",
            "Monthly figures are the published marts'. The marts are monthly, so weekly figures "
            "are counted from the published facts (`core.fct_leads`, `core.fct_payments`, "
            "`core.fct_ad_spend_daily`) by the marts' rules: an SQL on its handover day, "
            "revenue on its payment day (refunds subtract), a skipped funnel stage at the next "
            "stage's time.",
            f"Money is in {f.base_currency}.",
        ],
    )


def build_report(f: ReportFigures) -> Report:
    funnel = funnel_section(f)
    plan, plan_bullets = plan_section(f)
    channels = channel_section(f)
    sla, sla_bullets = sla_section(f)
    mover, mover_bullets = movers_section(f)
    headlines = Section(
        "headlines",
        "Headlines",
        bullets=[*plan_bullets, *week_bullets(f), *mover_bullets, *sla_bullets],
    )
    sql = f.plan_row(f.periods.month, "sql") or {}
    revenue = f.plan_row(f.periods.month, "revenue") or {}
    headline = {
        "as_of": f.as_of.isoformat(),
        "sql_month_to_date": int(sql.get("fact") or 0),
        "sql_pct_of_plan": _float(sql.get("pct_of_plan")),
        "sql_run_rate_forecast": _float(sql.get("run_rate_forecast")),
        "revenue_month_to_date": _float(revenue.get("fact")),
        "revenue_pct_of_plan": _float(revenue.get("pct_of_plan")),
        "revenue_run_rate_forecast": _float(revenue.get("run_rate_forecast")),
        "sql_this_week": int(f.total("sql", f.periods.week)),
        "revenue_this_week": float(f.total("revenue", f.periods.week)),
    }
    return Report(
        title=f"Marketing–sales alignment, week ending {f.as_of:%A %d %B %Y}",
        subtitle=f"as of {f.as_of.isoformat()} · time zone {f.timezone} · money in "
        f"{f.base_currency} · published run {f.run_id}",
        sections=[headlines, funnel, plan, channels, sla, mover, definitions_section(f)],
        headline=headline,
    )


def _float(value) -> float | None:
    return None if value is None else float(value)
