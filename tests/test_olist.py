"""The Olist Marketing Funnel imported and run: totals worked out from the CSVs themselves."""

from __future__ import annotations

import csv
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.lib.olist import (
    ORIGIN_UTM,
    SEGMENT_OF_LEAD_TYPE,
    UNKNOWN_ORIGIN_UTM,
    landing_tables,
    read_source,
)
from tests.conftest import query
from tests.test_generator import channel_map, channel_of

OLIST = Path(__file__).resolve().parents[2] / "shared/datasets/olist_marketing_funnel"

# The channel each Olist origin is reported under, as the README documents it.
EXPECTED_CHANNEL = {
    "organic_search": "organic_search",
    "paid_search": "paid_search",
    "social": "paid_social",
    "email": "email",
    "referral": "referral",
    "direct_traffic": "direct",
    "display": "other",
    "other_publicities": "other",
    "other": "other",
    "unknown": "other",
    "": "other",
}


def olist_folder() -> Path:
    if not OLIST.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the Olist dataset is missing at {OLIST} (required in CI)")
        pytest.skip(f"the Olist dataset is not beside the repository ({OLIST})")
    return OLIST


def read(name: str) -> list[dict[str, str]]:
    with (olist_folder() / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def mqls() -> list[dict[str, str]]:
    return read("olist_marketing_qualified_leads_dataset.csv")


@pytest.fixture(scope="module")
def closed() -> list[dict[str, str]]:
    return read("olist_closed_deals_dataset.csv")


def test_every_origin_resolves_to_its_channel_through_the_seed():
    rules = channel_map()
    for origin, expected in EXPECTED_CHANNEL.items():
        source, medium = ORIGIN_UTM.get(origin, UNKNOWN_ORIGIN_UTM)
        assert channel_of(source, medium, rules) == expected, origin


def test_lead_types_map_onto_the_contract_segments():
    assert set(SEGMENT_OF_LEAD_TYPE.values()) <= {"enterprise", "middle", "small"}


def test_landing_tables_follow_the_documented_mapping(mqls, closed):
    tables, moved = landing_tables(*read_source(olist_folder()))
    assert len(tables["crm/leads"]) == len(mqls) == 8_000
    assert {e["stage"] for e in tables["crm/lead_events"]} == {"mql"}
    assert len(tables["crm/deals"]) == len(closed) == 842
    assert {d["status"] for d in tables["crm/deals"]} == {"won"}
    assert tables["crm/activities"] == []
    paid = [d for d in closed if float(d["declared_monthly_revenue"] or 0) > 0]
    assert len(tables["payments/payments"]) == len(paid) == 45
    # The one deal won before its lead's first contact is moved to the first contact.
    assert len(moved) == 1
    teams = Counter(u["team"] for u in tables["crm/users"])
    assert teams["sales"] == len({d["sr_id"] for d in closed})
    assert sum(teams.values()) == len({d["sr_id"] for d in closed} | {d["sdr_id"] for d in closed})


@pytest.fixture(scope="module")
def olist_run(tmp_path_factory) -> Path:
    source = olist_folder()
    root = tmp_path_factory.mktemp("olist")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    assert main(["import", "olist", "--from", str(source), "--out", str(landing)]) == 0
    status = main(
        [
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--as-of",
            "2018-12-31",
            "--base-currency",
            "BRL",
        ]
    )
    assert status == 0
    return warehouse


@pytest.mark.slow
def test_leads_per_first_contact_month(olist_run, mqls):
    expected = Counter(m["first_contact_date"][:7] for m in mqls)
    rows = query(
        olist_run,
        """select strftime(month, '%Y-%m'), sum(leads_count)::int
        from marts.funnel_conversion_monthly where basis = 'cohort' group by all""",
    )
    assert dict(rows) == expected
    assert sum(expected.values()) == 8_000


@pytest.mark.slow
def test_won_deals_and_leads_per_channel(olist_run, mqls, closed):
    origin = {m["mql_id"]: m["origin"] for m in mqls}
    won = Counter(EXPECTED_CHANNEL[origin[d["mql_id"]]] for d in closed)
    leads = Counter(EXPECTED_CHANNEL[m["origin"]] for m in mqls)
    rows = query(
        olist_run,
        """select channel, sum(won_deals)::int, sum(leads_created)::int
        from marts.channel_economics_monthly group by channel""",
    )
    assert {channel: w for channel, w, _ in rows if w} == won
    assert {channel: n for channel, _, n in rows} == leads
    assert won["organic_search"] == 271 and won["paid_search"] == 195


@pytest.mark.slow
def test_every_won_deal_is_one_implicit_sql_in_its_won_month(olist_run, closed):
    expected = Counter(d["won_date"][:7] for d in closed)
    rows = query(
        olist_run,
        """select strftime(month, '%Y-%m'), sum(sql_count)::int, sum(implicit_handover_count)::int
        from marts.sql_by_handover_monthly group by all""",
    )
    assert {month: n for month, n, _ in rows} == expected
    assert all(n == implicit for _, n, implicit in rows)
    assert sum(expected.values()) == 842


@pytest.mark.slow
def test_revenue_is_the_declared_monthly_revenue_by_won_month(olist_run, closed):
    expected: Counter = Counter()
    for d in closed:
        amount = Decimal(d["declared_monthly_revenue"] or "0")
        if amount > 0:
            expected[d["won_date"][:7]] += amount
    rows = query(
        olist_run,
        """select strftime(month, '%Y-%m'), sum(revenue), sum(payments_count)::int
        from marts.revenue_by_payment_monthly group by all""",
    )
    assert {month: revenue for month, revenue, _ in rows} == expected
    assert sum(n for _, _, n in rows) == 45
    assert sum(expected.values()) == Decimal("61784006")
    assert query(olist_run, "select base_currency from audit.publication") == [("BRL",)]
