"""The five published marts of a small landing set, every row worked out by hand.

Reporting time zone Europe/Moscow (UTC+3), base currency USD, as of 2026-03-10 (a Tuesday).

Leads (channel via the channel map, month of creation in Moscow):
  L1  2026-01-31 22:00Z = Feb 1 01:00 MSK   google/cpc → paid_search   enterprise  → Feb
  L2  2026-01-15                           facebook/paid_social, re-sent next day as
                                            newsletter/email → email     small       → Jan
  L3  2026-01-20 09:00 (naive = UTC)       no utm → direct              middle      → Jan
  L4  2026-02-05 10:00+03:00               " Google "/"CPC" → paid_search Enterprise → Feb
  L5  2026-03-12, after as_of              ignored with its events
  L6  2026-02-20                           x/referral → referral        small       → Feb
Handovers:
  L1  sql 2026-02-28 21:30Z = Mar 1 00:30 MSK → March; accepted Mar 2
  L2  sql Jan 20, rejected Jan 22, sql again Feb 10, accepted Feb 11 → one SQL in January,
      rejected (the first verdict stands)
  L3  no sql event; deal D3 created Feb 3 → implicit handover in February
  L4  sql Feb 6, accepted Feb 7, rejected Feb 8 → accepted, February
  L6  sql Mar 11, after as_of → not an SQL
Money (fx: EUR 1.05 from Jan 30, 1.10 from Mar 6, 1.20 from Mar 9; RUB 0.011 from Mar 2):
  P1  D1/L1  Mar 6   600 EUR × 1.10 =  660.00
  P2  D1/L1  Mar 8 (Sunday) 400 eur × 1.10 (Friday's rate) = 440.00
  P3  D3/L3  2026-02-20 21:30Z = Feb 21 MSK, 500 USD
  P4  D3/L3  refund Mar 3, 100 USD (its own month)
  P5  D9 (a deal without lead) Feb 16, 250 USD → unattributed
  P6  no deal, 2026-02-28 22:00Z = Mar 1 01:00 MSK, 75.50 USD → unattributed, March
  P7  failed, P8 after as_of: not counted
Activities (used by the alignment marts only): sales user U2 calls L1 on Mar 1 08:00Z; on
  L4 U2 e-mails before the handover, marketer U1 writes after it, U2 calls at 13:00Z; U2
  meets on deal D3 (L3) on Feb 4 12:00Z; A6's timestamp "yesterday" is quarantined.
  L2's rejection (E05) gives the reason " Budget ".
Spend: google Feb 10 50 USD (Mar 11: after as_of); meta Jan 25 20.50 USD;
  yandex Mar 2 3,000 RUB × 0.011 = 33.00; marketing cost Feb events 300 EUR at Feb 1's
  latest earlier rate 1.05 = 315.00 (April's cost is after as_of).
"""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from orchestration.cli import main
from tests.conftest import query, write_csv

FEB, JAN, MAR, APR = date(2026, 2, 1), date(2026, 1, 1), date(2026, 3, 1), date(2026, 4, 1)


def landing_set(landing: Path) -> Path:
    write_csv(
        landing / "crm/leads/2026-03-01.csv",
        ["lead_id", "created_at", "segment", "utm_source", "utm_medium", "email"],
        [
            ["L1", "2026-01-31T22:00:00Z", "enterprise", "google", "cpc", "l1@example.com"],
            ["L2", "2026-01-15T10:00:00Z", "small", "facebook", "paid_social", ""],
            ["L3", "2026-01-20 09:00:00", "middle", "", "", ""],
            ["L4", "2026-02-05T10:00:00+03:00", "Enterprise", " Google ", "CPC", ""],
            ["L5", "2026-03-12T10:00:00Z", "small", "google", "cpc", ""],
            ["L6", "2026-02-20T10:00:00Z", "small", "x", "referral", ""],
        ],
    )
    write_csv(
        landing / "crm/leads/2026-03-02.csv",
        ["lead_id", "created_at", "segment", "utm_source", "utm_medium"],
        [["L2", "2026-01-15T10:00:00Z", "small", "newsletter", "email"]],
    )
    write_csv(
        landing / "crm/lead_events.csv",
        ["event_id", "lead_id", "stage", "occurred_at", "user_id", "reason"],
        [
            ["E01", "L1", "mql", "2026-01-31T22:30:00Z", "U1", ""],
            ["E02", "L1", "sql", "2026-02-28T21:30:00Z", "U1", ""],
            ["E03", "L1", "accepted", "2026-03-02T10:00:00Z", "U2", ""],
            ["E04", "L2", "sql", "2026-01-20T10:00:00Z", "U1", ""],
            ["E05", "L2", "rejected", "2026-01-22T10:00:00Z", "U2", " Budget "],
            ["E06", "L2", "sql", "2026-02-10T10:00:00Z", "U1", ""],
            ["E07", "L2", "accepted", "2026-02-11T10:00:00Z", "U2", ""],
            ["E08", "L4", "sql", "2026-02-06T10:00:00Z", "U1", ""],
            ["E09", "L4", "accepted", "2026-02-07T10:00:00Z", "U2", ""],
            ["E10", "L4", "rejected", "2026-02-08T10:00:00Z", "U2", ""],
            ["E11", "L5", "sql", "2026-03-12T11:00:00Z", "U1", ""],
            ["E12", "L6", "sql", "2026-03-11T10:00:00Z", "U1", ""],
            ["E13", "LX", "sql", "2026-02-01T10:00:00Z", "U1", ""],
        ],
    )
    write_csv(
        landing / "crm/deals.csv",
        [
            "deal_id",
            "lead_id",
            "owner_id",
            "created_at",
            "status",
            "closed_at",
            "amount",
            "currency",
            "lost_reason",
        ],
        [
            [
                "D1",
                "L1",
                "U2",
                "2026-03-02T10:00:00Z",
                "won",
                "2026-03-05T10:00:00Z",
                "1000",
                "EUR",
                "",
            ],
            [
                "D3",
                "L3",
                "U2",
                "2026-02-03T12:00:00Z",
                "won",
                "2026-02-20T10:00:00Z",
                "500",
                "USD",
                "",
            ],
            [
                "D4",
                "L4",
                "U2",
                "2026-02-08T12:00:00Z",
                "lost",
                "2026-02-25T10:00:00Z",
                "",
                "",
                "price",
            ],
            [
                "D9",
                "",
                "U2",
                "2026-02-01T12:00:00Z",
                "won",
                "2026-02-15T10:00:00Z",
                "250",
                "USD",
                "",
            ],
        ],
    )
    write_csv(
        landing / "crm/activities.csv",
        ["activity_id", "lead_id", "deal_id", "user_id", "type", "occurred_at"],
        [
            ["A1", "L1", "", "U2", "call", "2026-03-01T08:00:00Z"],
            ["A2", "L4", "", "U2", "email", "2026-02-06T09:00:00Z"],
            ["A3", "L4", "", "U1", "message", "2026-02-06T11:00:00Z"],
            ["A4", "L4", "", "U2", "call", "2026-02-06T13:00:00Z"],
            ["A5", "", "D3", "U2", "meeting", "2026-02-04T12:00:00Z"],
            ["A6", "L3", "", "U2", "call", "yesterday"],
        ],
    )
    write_csv(
        landing / "crm/users.csv",
        ["user_id", "name", "team", "segment"],
        [["U1", "Mia", "marketing", ""], ["U2", "Sam", "sales", "enterprise"]],
    )
    write_csv(
        landing / "payments/payments.csv",
        ["payment_id", "deal_id", "paid_at", "amount", "currency", "status", "kind"],
        [
            ["P1", "D1", "2026-03-06T10:00:00Z", "600", "EUR", "succeeded", "payment"],
            ["P2", "D1", "2026-03-08T10:00:00Z", "400", "eur", "succeeded", "payment"],
            ["P3", "D3", "2026-02-20T21:30:00Z", "500", "USD", "succeeded", "payment"],
            ["P4", "D3", "2026-03-03T10:00:00Z", "100", "USD", "succeeded", "refund"],
            ["P5", "D9", "2026-02-16T10:00:00Z", "250", "USD", "succeeded", "payment"],
            ["P6", "", "2026-02-28T22:00:00Z", "75.50", "USD", "succeeded", "payment"],
            ["P7", "D3", "2026-02-22T10:00:00Z", "999", "USD", "failed", "payment"],
            ["P8", "D1", "2026-03-11T10:00:00Z", "100", "EUR", "succeeded", "payment"],
        ],
    )
    write_csv(
        landing / "ads/google_ads.csv",
        [
            "segments_date",
            "campaign_id",
            "campaign_name",
            "metrics_cost_micros",
            "customer_currency_code",
        ],
        [
            ["2026-02-10", "C1", "brand", "50000000", "USD"],
            ["2026-03-11", "C1", "brand", "10000000", "USD"],
        ],
    )
    write_csv(
        landing / "ads/meta_ads.csv",
        ["date_start", "campaign_id", "campaign_name", "spend", "account_currency"],
        [["2026-01-25", "M1", "spring", "20.50", "USD"]],
    )
    write_csv(
        landing / "ads/yandex_direct.csv",
        ["Date", "CampaignId", "CampaignName", "Cost", "Currency"],
        [["2026-03-02", "Y1", "brand", "3000000000", "RUB"]],
    )
    write_csv(
        landing / "finance/fx_rates.csv",
        ["date", "currency", "rate_to_base"],
        [
            ["2026-01-30", "EUR", "1.05"],
            ["2026-03-06", "EUR", "1.10"],
            ["2026-03-09", "EUR", "1.20"],
            ["2026-03-02", "RUB", "0.011"],
        ],
    )
    write_csv(
        landing / "finance/plans.csv",
        ["month", "segment", "metric", "plan_value"],
        [
            ["2026-02", "all", "sql", "4"],
            ["2026-03", "all", "sql", "5"],
            ["2026-03", "enterprise", "revenue", "2000"],
            ["2026-04", "all", "revenue", "3000"],
        ],
    )
    write_csv(
        landing / "finance/marketing_costs.csv",
        ["month", "channel", "category", "amount", "currency"],
        [
            ["2026-02", "events", "venue", "300", "EUR"],
            ["2026-04", "content", "agency", "100", "USD"],
        ],
    )
    return landing


def run_landing_set(base: Path) -> Path:
    """Runs the whole pipeline on the landing set above; returns the warehouse file."""
    warehouse = base / "warehouse.duckdb"
    status = main(
        [
            "run",
            "--landing",
            str(landing_set(base / "landing")),
            "--warehouse",
            str(warehouse),
            "--timezone",
            "Europe/Moscow",
            "--base-currency",
            "USD",
            "--as-of",
            "2026-03-10",
        ]
    )
    assert status == 0
    return warehouse


@pytest.fixture
def warehouse(marts_warehouse) -> Path:
    return marts_warehouse


def rows(warehouse: Path, table: str, columns: str, order: str) -> list[tuple]:
    return query(warehouse, f"select {columns} from marts.{table} order by {order}")


def test_sql_by_handover_monthly(warehouse):
    assert rows(
        warehouse,
        "sql_by_handover_monthly",
        "month, segment, channel, sql_count, accepted_count, rejected_count,"
        " implicit_handover_count",
        "month, segment, channel",
    ) == [
        (JAN, "small", "email", 1, 0, 1, 0),
        (FEB, "enterprise", "paid_search", 1, 1, 0, 0),
        (FEB, "middle", "direct", 1, 0, 0, 1),
        (MAR, "enterprise", "paid_search", 1, 1, 0, 0),
    ]


def test_attribution_transition_monthly(warehouse):
    assert rows(
        warehouse,
        "attribution_transition_monthly",
        "month, segment, channel, sql_count_by_creation, sql_count_by_handover, delta",
        "month, segment, channel",
    ) == [
        (JAN, "middle", "direct", 1, 0, -1),
        (JAN, "small", "email", 1, 1, 0),
        (FEB, "enterprise", "paid_search", 2, 1, -1),
        (FEB, "middle", "direct", 0, 1, 1),
        (MAR, "enterprise", "paid_search", 0, 1, 1),
    ]


def test_revenue_by_payment_monthly(warehouse):
    assert rows(
        warehouse,
        "revenue_by_payment_monthly",
        "month, segment, channel, revenue, payments_count, refunds_amount",
        "month, segment, channel",
    ) == [
        (FEB, "middle", "direct", D("500.00"), 1, D("0.00")),
        (FEB, "unknown", "unattributed", D("250.00"), 1, D("0.00")),
        (MAR, "enterprise", "paid_search", D("1100.00"), 2, D("0.00")),
        (MAR, "middle", "direct", D("-100.00"), 0, D("100.00")),
        (MAR, "unknown", "unattributed", D("75.50"), 1, D("0.00")),
    ]


def test_channel_economics_monthly(warehouse):
    n = None
    assert rows(
        warehouse,
        "channel_economics_monthly",
        "month, channel, spend, leads_created, sql_count, won_deals, revenue, cpl,"
        " cost_per_sql, cac, romi",
        "month, channel",
    ) == [
        (JAN, "direct", D("0.00"), 1, 0, 0, D("0.00"), D("0.00"), n, n, n),
        (JAN, "email", D("0.00"), 1, 1, 0, D("0.00"), D("0.00"), D("0.00"), n, n),
        (JAN, "paid_social", D("20.50"), 0, 0, 0, D("0.00"), n, n, n, D("-1.0000")),
        (FEB, "direct", D("0.00"), 0, 1, 1, D("500.00"), n, D("0.00"), D("0.00"), n),
        (FEB, "events", D("315.00"), 0, 0, 0, D("0.00"), n, n, n, D("-1.0000")),
        (
            FEB,
            "paid_search",
            D("50.00"),
            2,
            1,
            0,
            D("0.00"),
            D("25.00"),
            D("50.00"),
            n,
            D("-1.0000"),
        ),
        (FEB, "referral", D("0.00"), 1, 0, 0, D("0.00"), D("0.00"), n, n, n),
        (FEB, "unattributed", D("0.00"), 0, 0, 1, D("250.00"), n, n, D("0.00"), n),
        (MAR, "direct", D("0.00"), 0, 0, 0, D("-100.00"), n, n, n, n),
        (
            MAR,
            "paid_search",
            D("33.00"),
            0,
            1,
            1,
            D("1100.00"),
            n,
            D("33.00"),
            D("33.00"),
            D("32.3333"),
        ),
        (MAR, "unattributed", D("0.00"), 0, 0, 0, D("75.50"), n, n, n, n),
    ]


def test_plan_vs_fact_monthly(warehouse):
    n = None
    assert rows(
        warehouse,
        "plan_vs_fact_monthly",
        "month, segment, metric, plan_value, fact, pct_of_plan, run_rate_forecast",
        "metric desc, month, segment",
    ) == [
        (JAN, "all", "sql", n, D("1.00"), n, D("1.00")),
        (JAN, "small", "sql", n, D("1.00"), n, D("1.00")),
        (FEB, "all", "sql", D("4.00"), D("2.00"), D("50.00"), D("2.00")),
        (FEB, "enterprise", "sql", n, D("1.00"), n, D("1.00")),
        (FEB, "middle", "sql", n, D("1.00"), n, D("1.00")),
        (MAR, "all", "sql", D("5.00"), D("1.00"), D("20.00"), D("3.10")),
        (MAR, "enterprise", "sql", n, D("1.00"), n, D("3.10")),
        (FEB, "all", "revenue", n, D("750.00"), n, D("750.00")),
        (FEB, "middle", "revenue", n, D("500.00"), n, D("500.00")),
        (FEB, "unknown", "revenue", n, D("250.00"), n, D("250.00")),
        (MAR, "all", "revenue", n, D("1075.50"), n, D("3334.05")),
        (MAR, "enterprise", "revenue", D("2000.00"), D("1100.00"), D("55.00"), D("3410.00")),
        (MAR, "middle", "revenue", n, D("-100.00"), n, D("-310.00")),
        (MAR, "unknown", "revenue", n, D("75.50"), n, D("234.05")),
        (APR, "all", "revenue", D("3000.00"), n, n, n),
    ]


def test_no_contact_details_reach_the_marts(warehouse):
    columns = query(
        warehouse,
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in ('intermediate', 'core', 'marts')"
        " and column_name in ('email', 'phone')",
    )
    assert columns == []
