"""The weekly alignment report of the hand-worked landing set of tests/test_marts.py.

As of 2026-03-10 (a Tuesday) in Europe/Moscow, so the week is Mar 4–10 and the previous week
Feb 25 – Mar 3; March to date is Mar 1–10, compared with Feb 1–10 and with all of February.
Worked out by hand from the landing set:
  This week: no lead created, no MQL, no handover, no verdict; L1's deal D1 won Mar 5 → 1 won.
    Revenue P1 660.00 (Mar 6) + P2 440.00 (Mar 8) = 1,100.00, all paid_search/enterprise.
  Previous week: L1 handed over Mar 1 00:30 MSK and accepted Mar 2 → 1 SQL, 1 accepted.
    Revenue P6 75.50 (Mar 1 MSK, unattributed) − P4's refund 100.00 (Mar 3, direct) = −24.50;
    ad spend: yandex Mar 2, 33.00 paid_search.
  Feb 1–10: leads L1 (Feb 1 MSK) and L4 (Feb 5); MQLs L1 (its event), L3 (at its implicit
    handover Feb 3) and L4 (at its handover Feb 6); SQLs L3 and L4; accepted L3 (its deal
    D3, Feb 3) and L4 (Feb 7); nothing won.
Every monthly figure is compared with the mart it comes from, read here with plain SQL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.definitions import build_definitions
from orchestration.defs.publication.assets import PUBLISHED_WAREHOUSE
from orchestration.defs.reporting.assets import ALIGNMENT_REPORT
from orchestration.lib.report import charts, reports_dir, write_alignment_report
from orchestration.lib.report.figures import Periods, previous_month_start
from orchestration.lib.settings import Settings, day_start_utc
from tests.conftest import query

MAR, FEB = date(2026, 3, 1), date(2026, 2, 1)
STAGES = ["Leads created", "MQL", "SQL (handed over)", "Accepted by sales", "Won"]


# --- reading the report back: tables out of the Markdown and the HTML ------------------------


def markdown_table(markdown: str, title: str) -> list[list[str]]:
    """Header and rows of the table under `**title**`."""
    lines = markdown.splitlines()
    start = lines.index(f"**{title}**")
    table = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split(" | ")])
    assert table, f"no table under {title!r}"
    return [table[0], *table[2:]]  # without the alignment row


class HtmlTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs = 0
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs)["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "svg":
            self.svgs += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def number(cell: str) -> D | None:
    """A number as the report prints it: `1,075.50`, `-1`, `+1,124.50`, `20.00 %`, `—`."""
    if cell == "—":
        return None
    return D(cell.removesuffix(" %").replace(",", ""))


def rows_by_key(table: list[list[str]], width: int = 1) -> dict[tuple, list[str]]:
    return {tuple(row[:width]): row for row in table[1:]}


@pytest.fixture(scope="module")
def report(marts_warehouse) -> dict:
    """The report the pipeline run wrote beside the published hand-worked warehouse."""
    folder = reports_dir(marts_warehouse)
    html = folder / "alignment-2026-03-10.html"
    markdown = folder / "alignment-2026-03-10.md"
    assert html.is_file() and markdown.is_file()
    parser = HtmlTables()
    parser.feed(html.read_text(encoding="utf-8"))
    return {
        "html_path": html,
        "html": html.read_text(encoding="utf-8"),
        "md": markdown.read_text(encoding="utf-8"),
        "html_tables": parser.tables,
        "svgs": parser.svgs,
        "warehouse": marts_warehouse,
    }


# --- the numbers ------------------------------------------------------------------------------


def test_plan_fact_and_run_rate_equal_the_marts(report):
    table = rows_by_key(
        markdown_table(report["md"], "March 2026: plan, fact so far and run-rate forecast"), 2
    )
    expected = query(
        report["warehouse"],
        "select metric, segment, plan_value, fact, pct_of_plan, run_rate_forecast"
        " from marts.plan_vs_fact_monthly where month = ? order by all",
        [MAR],
    )
    assert len(table) == len(expected) == 6
    for metric, segment, plan, fact, pct, forecast in expected:
        row = table[("SQLs" if metric == "sql" else "Revenue (USD)", segment)]
        assert [number(c) for c in row[2:6]] == [plan, fact, pct, forecast], row
    # the headline numbers against the contract marts they come from
    sqls = query(
        report["warehouse"],
        "select sum(sql_count) from marts.sql_by_handover_monthly where month = ?",
        [MAR],
    )[0][0]
    revenue = query(
        report["warehouse"],
        "select sum(revenue) from marts.revenue_by_payment_monthly where month = ?",
        [MAR],
    )[0][0]
    assert number(table[("SQLs", "all")][3]) == sqls == 1
    assert number(table[("Revenue (USD)", "all")][3]) == revenue == D("1075.50")
    assert number(table[("SQLs", "all")][4]) == D("20.00")
    assert number(table[("SQLs", "all")][5]) == D("3.10")
    assert number(table[("Revenue (USD)", "all")][5]) == D("3334.05")
    # forecast % of plan: 3,410 ÷ 2,000
    assert number(table[("Revenue (USD)", "enterprise")][6]) == D("170.50")
    assert (
        "SQLs: 1 so far in March, 20.00 % of the plan of 5; run-rate forecast 3.10" in report["md"]
    )


def test_funnel_months_equal_the_funnel_mart_and_weeks_are_worked_out_by_hand(report):
    table = markdown_table(report["md"], "Funnel stages: counts")
    assert table[0][1:] == [
        "This week (Mar 4–10)",
        "Previous week (Feb 25 – Mar 3)",
        "Change",
        "March to date (Mar 1–10)",
        "Same days of February (Feb 1–10)",
        "Change",
        "February (whole month)",
    ]
    assert [row[0] for row in table[1:]] == STAGES
    columns = list(zip(*[[number(c) for c in row[1:]] for row in table[1:]], strict=True))
    for month, column in ((MAR, columns[3]), (FEB, columns[6])):
        mart = query(
            report["warehouse"],
            "select sum(leads_count), sum(mql_count), sum(sql_count), sum(accepted_count),"
            " sum(won_count) from marts.funnel_conversion_monthly"
            " where basis = 'period' and month = ?",
            [month],
        )[0]
        assert list(column) == list(mart)
    sqls_by_handover = query(
        report["warehouse"],
        "select sum(sql_count) from marts.sql_by_handover_monthly where month = ?",
        [MAR],
    )[0][0]
    assert columns[3][2] == sqls_by_handover
    assert list(columns[0]) == [0, 0, 0, 0, 1]  # this week
    assert list(columns[1]) == [0, 0, 1, 1, 0]  # previous week
    assert list(columns[2]) == [0, 0, -1, -1, 1]
    assert list(columns[4]) == [2, 3, 2, 2, 0]  # Feb 1–10

    conversion = rows_by_key(
        markdown_table(report["md"], "Funnel stages: conversion from the stage before")
    )
    # February: 2 SQLs of 3 MQLs; 1 won of 2 accepted
    assert conversion[("MQL → SQL (handed over)",)][7] == "66.7 %"
    assert conversion[("Accepted by sales → Won",)][7] == "50.0 %"


def test_weekly_revenue_equals_the_payments_fact(report):
    def paid(start: str, end: str) -> D:
        return query(
            report["warehouse"],
            "select sum(revenue_base) from core.fct_payments"
            " where status = 'succeeded' and paid_date between ? and ?",
            [date.fromisoformat(start), date.fromisoformat(end)],
        )[0][0]

    assert paid("2026-03-04", "2026-03-10") == D("1100.00")
    assert paid("2026-02-25", "2026-03-03") == D("-24.50")
    assert "Revenue 1,100.00 (+1,124.50)" in report["md"]
    movers = markdown_table(report["md"], "Week on week")
    assert ["Revenue", "channel", "paid_search", "0.00", "1,100.00", "+1,100.00"] in movers
    assert ["Ad spend", "channel", "paid_search", "33.00", "0.00", "-33.00"] in movers
    assert ["SQLs", "channel", "paid_search", "1", "0", "-1"] in movers


def test_channel_economics_equal_the_mart(report):
    table = rows_by_key(markdown_table(report["md"], "Channel economics, March to date (USD)"))
    mart = query(
        report["warehouse"],
        "select channel, spend, leads_created, sql_count, won_deals, revenue, cpl, cost_per_sql,"
        " cac, romi from marts.channel_economics_monthly where month = ? order by channel",
        [MAR],
    )
    assert [m[0] for m in mart] == ["direct", "paid_search", "unattributed"]
    for channel, *values, romi in mart:
        row = table[(channel,)]
        assert [number(c) for c in row[1:9]] == values
        assert number(row[9]) == (None if romi is None else (romi * 100).quantize(D("0.1")))
    # February's ROMI beside it: events spent 315.00 and earned nothing
    assert table[("events",)][10] == "-100.0 %"


def test_sla_and_recycling_equal_the_marts(report):
    sla = rows_by_key(markdown_table(report["md"], "Handover SLA: sales' first response"), 2)
    mart = query(
        report["warehouse"],
        "select strftime(month, '%Y-%m'), segment, handover_count, within_sla_count, breach_count,"
        " pending_count from marts.sla_handover_monthly where month >= ? order by all",
        [FEB],
    )
    assert len(sla) == len(mart) == 3
    for month, segment, *counts in mart:
        assert [number(c) for c in sla[(month, segment)][2:6]] == counts
    minimums = rows_by_key(markdown_table(report["md"], "SQL minimums per channel, March to date"))
    assert minimums[("paid_search",)][1:] == ["1", "10", "9", "no"]
    # no SQL handed over in March or February was rejected (L2's rejection is January's)
    assert "**Recycling: SQLs sales rejected**\n\n_Nothing to show._" in report["md"]


def test_the_week_is_defined_in_the_report(report):
    assert "Week: the 7 days ending on as_of, inclusive (Mar 4–10)" in report["md"]
    assert "the 7 days before (Feb 25 – Mar 3). Days are those of Europe/Moscow." in report["md"]


def test_html_shows_the_markdown_tables_and_three_kinds_of_chart(report):
    tables = report["html_tables"]
    assert {"funnel-counts", "funnel-conversion", "plan", "channels", "sla", "movers-week"} <= set(
        tables
    )
    titles = {
        "funnel-counts": "Funnel stages: counts",
        "plan": "March 2026: plan, fact so far and run-rate forecast",
        "channels": "Channel economics, March to date (USD)",
        "sla": "Handover SLA: sales' first response",
        "movers-week": "Week on week",
    }
    for key, title in titles.items():
        assert tables[key] == markdown_table(report["md"], title), key
    # funnel, SQL plan, revenue plan, ROMI
    assert report["svgs"] == 4
    html = report["html"]
    assert 'class="forecast"' in html and 'class="plan"' in html and 'class="fact"' in html


def test_html_is_one_self_contained_file(report):
    html = report["html"]
    assert "<script" not in html and "<link" not in html and "src=" not in html
    addresses = set(re.findall(r"https?://[^\"' )]+", html))
    assert addresses == {"http://www.w3.org/2000/svg"}  # a namespace name, never fetched


def test_the_daily_job_writes_the_report_after_publication():
    defs = build_definitions(Settings())
    node = defs.resolve_asset_graph().get(ALIGNMENT_REPORT)
    assert node.group_name == "reporting"
    assert node.parent_keys == {PUBLISHED_WAREHOUSE}
    job = defs.resolve_job_def("daily_pipeline")
    assert "alignment_report" in {n.name for n in job.nodes}


# --- pure pieces ------------------------------------------------------------------------------


def test_periods():
    p = Periods(date(2026, 3, 31))
    assert (p.week.start, p.week.end) == (date(2026, 3, 25), date(2026, 3, 31))
    assert (p.previous_week.start, p.previous_week.end) == (date(2026, 3, 18), date(2026, 3, 24))
    # February is shorter: its same days stop at its end
    assert (p.previous_month_to_date.start, p.previous_month_to_date.end) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    january = Periods(date(2026, 1, 3))
    assert january.previous_month == date(2025, 12, 1)
    assert january.previous_week.span == "Dec 21–27"
    assert january.week.span == "Dec 28 – Jan 3"


def test_every_period_starts_within_the_days_the_report_reads():
    # The report reads facts from the previous month's first day on, from its first instant
    # in the reporting time zone, as the facts store it (UTC, no zone).
    day = date(2025, 12, 1)
    while day < date(2027, 1, 1):
        periods = Periods(day)
        starts = [periods.week.start, periods.previous_week.start, periods.month_to_date.start]
        starts.append(periods.previous_month_to_date.start)
        assert min(starts) >= previous_month_start(day), day
        day += timedelta(days=1)
    assert day_start_utc(date(2026, 2, 1), "America/Los_Angeles") == datetime(2026, 2, 1, 8)
    assert day_start_utc(date(2026, 7, 1), "America/Los_Angeles") == datetime(2026, 7, 1, 7)
    assert day_start_utc(date(2026, 2, 1), "Europe/Moscow") == datetime(2026, 1, 31, 21)


def test_charts_are_well_formed_svg_with_and_without_data():
    svgs = [
        charts.funnel_chart([charts.FunnelStage("Leads", 0, 0, "")], "now", "before"),
        charts.plan_chart("SQLs", [], 30, None, None, money=False),
        charts.plan_chart(
            "Revenue",
            [(date(2026, 3, 1), D("-5")), (date(2026, 3, 2), D("120.5"))],
            31,
            D("1867.75"),
            D("1000"),
            money=True,
        ),
        charts.romi_chart([], "now", "before"),
        charts.romi_chart([charts.RomiBar("email", D("-0.5"), None)], "now", "before"),
    ]
    for svg in svgs:
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


# --- a failed report un-publishes nothing ------------------------------------------------------


@pytest.mark.slow
def test_a_failed_report_leaves_the_publication_standing(minimal_landing, monkeypatch, capsys):
    def broken(warehouse):
        raise RuntimeError("report template broke")

    monkeypatch.setattr("orchestration.defs.reporting.assets.write_alignment_report", broken)
    warehouse = minimal_landing.parent / "w.duckdb"
    status = main(["run", "--landing", str(minimal_landing), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"published {warehouse}" in out
    assert "not done: alignment_report" in out and "report template broke" in out
    assert query(warehouse, "select count(*) from audit.publication") == [(1,)]
    assert not reports_dir(warehouse).exists()
    # the same published set with next to nothing in it still makes a report
    files = write_alignment_report(warehouse)
    assert files.html.is_file() and files.markdown.is_file()


# --- headless Chromium ------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (scripts/test.sh installs it when CI=true)")
    pytest.skip("chromium is not installed: apt-get install chromium (required in CI)")


def run_chromium(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *arguments,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_is_not_blank(png: bytes) -> bool:
    """A blank page filters to a handful of byte values; a page of text, tables and charts to
    most of the 256 (a tiny PNG reader, enough to tell the two apart)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data = 8, b""
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            data += png[position + 8 : position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(data))) > 100


def test_chromium_probe_sees_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>console.error('boom'); missing();</script></body></html>")
    result = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert any("boom" in line for line in console_messages(result.stderr))
    assert any("Uncaught ReferenceError" in line for line in console_messages(result.stderr))


def test_report_opens_in_headless_chromium_without_errors_and_renders_its_charts(report, tmp_path):
    dom = run_chromium(report["html_path"], tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert dom.stdout.count("<svg") == 4
    assert dom.stdout.count("<polyline") == 2  # cumulative SQLs and revenue
    assert dom.stdout.count('class="bar"') >= 10

    screenshot = tmp_path / "report.png"
    shot = run_chromium(
        report["html_path"],
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1200,3000",
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_messages(shot.stderr) == []
    png = screenshot.read_bytes()
    assert len(png) > 50_000
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 3000)
    assert png_is_not_blank(png)
