from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


# The settings of the hand-worked landing set of tests/test_marts.py
FIXTURE_FLAGS = ["--timezone", "Europe/Moscow", "--base-currency", "USD", "--as-of", "2026-03-10"]


def run_fixture_on(target: str, landing: Path, warehouse: Path) -> int:
    """`onefunnel run --target TARGET` with the fixture's settings; returns its exit status."""
    from orchestration.cli import main

    return main(
        ["run", "--target", target, "--landing", str(landing), "--warehouse", str(warehouse)]
        + FIXTURE_FLAGS
        + ["--no-progress"]
    )


def add_unconvertible_payment(landing: Path) -> None:
    """A succeeded payment in a currency without any rate: it blocks publication
    (revenue.fx_coverage), naming the payment P9."""
    write_csv(
        landing / "payments/payments/2026-03-09.csv",
        ["payment_id", "deal_id", "paid_at", "amount", "currency", "status", "kind"],
        [["P9", "D1", "2026-03-09T10:00:00Z", "1000", "JPY", "succeeded", "payment"]],
    )


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def minimal_landing(tmp_path: Path) -> Path:
    """The required entities with one valid row each: the smallest landing that runs."""
    landing = tmp_path / "landing"
    write_csv(landing / "crm/leads.csv", ["lead_id", "created_at"], [["L1", "2026-01-10"]])
    write_csv(
        landing / "crm/lead_events.csv",
        ["event_id", "lead_id", "stage", "occurred_at"],
        [["E1", "L1", "mql", "2026-01-10T10:00:00Z"]],
    )
    write_csv(
        landing / "crm/deals.csv",
        ["deal_id", "created_at", "status"],
        [["D1", "2026-01-11T10:00:00Z", "open"]],
    )
    write_csv(
        landing / "crm/activities.csv",
        ["activity_id", "user_id", "type", "occurred_at"],
        [["A1", "U1", "call", "2026-01-11T11:00:00Z"]],
    )
    write_csv(landing / "crm/users.csv", ["user_id", "team"], [["U1", "sales"]])
    write_csv(
        landing / "payments/payments.csv",
        ["payment_id", "paid_at", "amount", "currency", "status", "kind"],
        [["P1", "2026-01-12T10:00:00Z", "10", "USD", "succeeded", "payment"]],
    )
    return landing


@pytest.fixture(scope="session")
def marts_warehouse(tmp_path_factory) -> Path:
    """The hand-worked landing set of tests/test_marts.py run through the whole pipeline,
    once per session: test_marts.py and test_alignment_marts.py read the same warehouse."""
    from tests.test_marts import run_landing_set

    return run_landing_set(tmp_path_factory.mktemp("marts"))
