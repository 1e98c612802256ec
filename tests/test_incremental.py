"""A daily run loads only the new landing files and updates the tables by key; what it
publishes equals a full rebuild from every file, table for table and row for row."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.defs.dbt.assets import _rebuild_reason
from orchestration.defs.dbt.project import BuildRecord
from orchestration.lib.engines import compare
from orchestration.lib.settings import Settings

# A generated landing set whose daily drops are split into three deliveries.
FIRST_DAY, LAST_DAY = "2026-03-01", "2026-03-31"
FIRST_CUT, SECOND_CUT = "2026-03-24", "2026-03-28"
COMPARED_SCHEMAS = ("marts", "core", "intermediate", "staging")


def run(landing: Path, warehouse: Path, as_of: str, *extra: str) -> None:
    status = main(
        [
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--timezone",
            "America/New_York",
            "--as-of",
            as_of,
            "--no-progress",
            *extra,
        ]
    )
    assert status == 0


def deliver(complete: Path, landing: Path, up_to: str) -> None:
    """Copy the complete set's files into `landing`, daily drops only up to `up_to`."""
    for path in sorted(complete.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(complete)
        is_daily_drop = len(relative.parts) == 3
        if is_daily_drop and path.stem > up_to:
            continue
        target = landing / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def loads(warehouse: Path) -> dict[str, tuple[str, int]]:
    with duckdb.connect(str(Settings(warehouse=warehouse).candidate), read_only=True) as con:
        rows = con.execute("select entity, mode, files_read from raw.ingestion_log").fetchall()
    return {entity: (mode, files_read) for entity, mode, files_read in rows}


def fetch_without_load_times(warehouse: Path) -> compare.Fetch:
    """Rows as built, less the load times, which differ between the two histories."""

    def fetch(schema: str, table: str):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cursor = con.execute(
                f"select columns(lambda c: c not in ('_loaded_at', 'loaded_at'))"
                f' from "{schema}"."{table}"'
            )
            return [d[0] for d in cursor.description], cursor.fetchall()

    return fetch


def assert_same_tables(incremental: Path, full: Path) -> None:
    built = {
        name: Settings(warehouse=warehouse).candidate
        for name, warehouse in (("incremental", incremental), ("full", full))
    }
    tables = compare.duckdb_tables(built["full"], COMPARED_SCHEMAS)
    assert len(tables) > 40
    assert compare.duckdb_tables(built["incremental"], COMPARED_SCHEMAS) == tables
    # a run's list of leads to compute again depends on the run before it
    tables.remove(("intermediate", "int_leads_to_update"))
    results = compare.compare_tables(
        tables,
        fetch_without_load_times(built["full"]),
        fetch_without_load_times(built["incremental"]),
    )
    assert [r.line() for r in results if not r.equal] == []
    # and what readers see: the published sets
    published = compare.duckdb_tables(full, ("marts", "core"))
    results = compare.compare_tables(
        published, compare.duckdb_fetch(full), compare.duckdb_fetch(incremental)
    )
    assert [r.line() for r in results if not r.equal] == []


@pytest.fixture(scope="module", autouse=True)
def same_contact_salt():
    # Each warehouse gets a salt of its own; the two histories must hash contacts alike.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONEFUNNEL_PII_SALT", "incremental-vs-full")
        yield


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("complete") / "landing"
    status = main(
        ["generate", "--out", str(landing), "--leads", "1500", "--months", "1", "--end", LAST_DAY]
    )
    assert status == 0
    assert (landing / "crm/leads" / f"{FIRST_DAY}.csv").exists()
    return landing


@pytest.fixture(scope="module")
def daily(complete, tmp_path_factory) -> tuple[Path, Path]:
    """A landing directory and warehouse that received the first delivery."""
    base = tmp_path_factory.mktemp("daily")
    landing, warehouse = base / "landing", base / "warehouse.duckdb"
    deliver(complete, landing, FIRST_CUT)
    run(landing, warehouse, FIRST_CUT)
    assert {mode for mode, _ in loads(warehouse).values()} == {"full"}
    return landing, warehouse


def read_rows(folder: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def instant(text: str) -> datetime | None:
    """The instant an ISO-8601 landing value names; None for a row quarantine would take."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def move_a_handover_to_another_lead(landing: Path, day: str) -> tuple[str, str]:
    """A drop of `day` re-sends the only `sql` event of a lead without deals under another
    lead never handed over, as a CRM does when it merges two leads. Returns (lead left, lead
    joined)."""
    events = read_rows(landing / "crm/lead_events")
    leads_with_deals = {row["lead_id"].strip() for row in read_rows(landing / "crm/deals")}
    sql_events: dict[str, list[dict[str, str]]] = {}
    for row in events:
        if row["stage"].strip().lower() == "sql" and instant(row["occurred_at"]):
            sql_events.setdefault(row["lead_id"].strip(), []).append(row)
    left = min(
        lead for lead, rows in sql_events.items() if len(rows) == 1 and lead not in leads_with_deals
    )
    handed_over_at = instant(sql_events[left][0]["occurred_at"])
    joined = min(
        row["lead_id"].strip()
        for row in read_rows(landing / "crm/leads")
        if row["lead_id"].strip() not in sql_events.keys() | leads_with_deals
        and (instant(row["created_at"]) or handed_over_at) < handed_over_at
    )
    resent = dict(sql_events[left][0], lead_id=joined)
    with (landing / "crm/lead_events" / f"{day}-resent.csv").open(
        "w", encoding="utf-8", newline=""
    ) as f:
        writer = csv.DictWriter(f, fieldnames=list(resent))
        writer.writeheader()
        writer.writerow(resent)
    return left, joined


def leads_to_update(warehouse: Path) -> tuple[int, int]:
    """How many leads the last run computed again, and how many leads there are."""
    with duckdb.connect(str(Settings(warehouse=warehouse).candidate), read_only=True) as con:
        return con.execute(
            "select (select count(*) from intermediate.int_leads_to_update),"
            " (select count(*) from core.fct_leads)"
        ).fetchone()


def test_a_day_of_new_drops_is_appended_and_equals_a_full_rebuild(complete, daily, tmp_path):
    landing, warehouse = daily
    deliver(complete, landing, SECOND_CUT)
    left, joined = move_a_handover_to_another_lead(landing, SECOND_CUT)
    run(landing, warehouse, SECOND_CUT)
    modes = loads(warehouse)
    # four more days of drops for each daily entity; single files unchanged are not read
    assert modes["crm/leads"] == ("appended", 4)
    assert modes["crm/lead_events"][0] == "appended"
    assert modes["payments/payments"] == ("unchanged", 0)
    assert modes["finance/fx_rates"] == ("unchanged", 0)
    # the lead-level models computed the changed leads again, not all of them
    updated, leads = leads_to_update(warehouse)
    assert 0 < updated < leads

    full = tmp_path / "full" / "warehouse.duckdb"
    run(landing, full, SECOND_CUT)
    assert_same_tables(warehouse, full)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        handed_over = con.execute(
            "select lead_id from core.fct_handovers where lead_id in (?, ?)", [left, joined]
        ).fetchall()
    assert handed_over == [(joined,)]


def test_a_rewritten_file_reloads_its_entity_and_drops_what_it_no_longer_holds(
    complete, daily, tmp_path
):
    landing, warehouse = daily
    deliver(complete, landing, LAST_DAY)
    # The CRM re-exports the first day without its first lead, which no later file re-sends.
    first_day = landing / "crm/leads" / f"{FIRST_DAY}.csv"
    header, first_lead, *rest = first_day.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = first_lead.split(",")[0]
    assert not any(
        line.startswith(gone + ",")
        for path in (landing / "crm/leads").glob("*.csv")
        if path != first_day
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    first_day.write_text(header + "".join(rest), encoding="utf-8")
    run(landing, warehouse, LAST_DAY)
    modes = loads(warehouse)
    assert modes["crm/leads"][0] == "full"
    assert modes["crm/deals"][0] == "appended"
    # a reload may drop records without a trace in the new rows: every lead is built again
    assert leads_to_update(warehouse)[0] == 0

    full = tmp_path / "full" / "warehouse.duckdb"
    run(landing, full, LAST_DAY)
    assert_same_tables(warehouse, full)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from core.fct_leads where lead_id = ?", [gone]
        ).fetchone() == (0,)


def test_full_refresh_reads_every_file_again(daily):
    landing, warehouse = daily
    run(landing, warehouse, LAST_DAY, "--full-refresh")
    assert {mode for mode, _ in loads(warehouse).values()} == {"full"}


def test_a_changed_setting_rebuilds_the_incremental_tables(complete, tmp_path):
    """Staging keeps the rows it stored; what it was built with is fingerprinted (project
    files, dbt version, target, time zone, base currency) and a change rebuilds it in full."""
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    candidate = Settings(warehouse=warehouse).candidate
    deliver(complete, landing, FIRST_CUT)
    run(landing, warehouse, FIRST_CUT)

    def region_of_first_lead() -> str:
        with duckdb.connect(str(candidate), read_only=True) as con:
            (region,) = con.execute(
                "select region from staging.stg_crm__leads order by lead_id limit 1"
            ).fetchone()
            return region

    # A row as an older model would have staged it: nothing new lands, so it stays.
    with duckdb.connect(str(candidate)) as con:
        con.execute(
            "update staging.stg_crm__leads set region = 'staged by an older model'"
            " where lead_id = (select min(lead_id) from staging.stg_crm__leads)"
        )
    run(landing, warehouse, FIRST_CUT)
    assert region_of_first_lead() == "staged by an older model"

    run(landing, warehouse, FIRST_CUT, "--timezone", "Europe/Berlin")  # the later flag wins
    assert region_of_first_lead() != "staged by an older model"
    assert sorted(p.name for p in (tmp_path / "warehouse.dbt" / "duckdb").glob("*.build.json")) == [
        "dbt_build.build.json"
    ]


def test_what_updating_per_lead_would_miss_makes_the_models_rebuild_in_full(tmp_path):
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", as_of=date(2026, 3, 28))
    started = datetime(2026, 3, 28, 6, 0)
    before, after = started - timedelta(days=1), started + timedelta(hours=1)
    last = BuildRecord("fingerprint", date(2026, 3, 27), started)
    build = BuildRecord("fingerprint", date(2026, 3, 28), started + timedelta(days=1))

    def reason(loaded: list[tuple[str, datetime]], *, last=last, build=build):
        with duckdb.connect(str(settings.candidate)) as con:
            con.execute("create schema if not exists raw")
            con.execute(
                "create or replace table raw.landing_files (entity varchar, loaded_at timestamp)"
            )
            con.executemany("insert into raw.landing_files values (?, ?)", loaded)
        return _rebuild_reason(settings, last, build)

    appended = [("crm/leads", before), ("crm/leads", after), ("crm/users", before)]
    assert reason(appended) is None
    assert reason(appended + [("ads/google_ads", after)]) is None  # not an input of leads
    assert "no record" in reason(appended, last=None)
    assert "no record" in reason(appended, last=replace(last, fingerprint="older"))
    earlier = replace(build, as_of=date(2026, 3, 20))
    assert reason(appended, build=earlier) == (
        "as_of 2026-03-20 is before 2026-03-27, the day they were built up to"
    )
    assert reason([("crm/leads", after), ("crm/users", before)]) == (
        "crm/leads was loaded again in full since they were built"
    )
    assert reason(appended + [("crm/users", after)]) == (
        "crm/users received a new file since they were built"
    )
