"""Nothing lost, nothing leaked: crashes, reruns and concurrent runs.

The history of one warehouse: a first run publishes the hand-worked landing set; runs of the
same landing killed with SIGKILL at several points leave that set published and readable; the
next run recovers without any clean-up and publishes marts identical row for row; one more
day of drops changes only the month it touches; a second run while one is writing refuses.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import BUSY, main
from orchestration.lib.publication import PublicationRecord, publish, read_publication
from orchestration.lib.run_lock import RunLockedError, run_lock
from tests.conftest import query, write_csv
from tests.test_marts import landing_set

AS_OF = "2026-03-10"
ONEFUNNEL = str(Path(sys.executable).parent / "onefunnel")
# Steps of the run at whose start the run is killed: ingestion, dbt, validation, publication
KILL_POINTS = ("ingest_crm", "dbt_build", "validate_sources", "published_warehouse")


def run_command(landing: Path, warehouse: Path) -> list[str]:
    return [
        ONEFUNNEL,
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--timezone",
        "Europe/Moscow",
        "--as-of",
        AS_OF,
        "--progress",
    ]


def start_run(landing: Path, warehouse: Path) -> subprocess.Popen:
    # a session of its own, so that a kill takes the run's dbt process with it, as a stopped
    # container or job would
    return subprocess.Popen(
        run_command(landing, warehouse),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_step(process: subprocess.Popen, step: str) -> None:
    for line in process.stderr:
        if line.strip().endswith(f"{step} …"):
            return
    raise AssertionError(f"the run ended before step {step} started")


def mart_checksums(warehouse: Path) -> dict[str, str]:
    """Per published mart: md5 of its rows as text, in sorted order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            table: con.execute(
                f"select md5(coalesce(string_agg(cast(t as varchar), '\n' order by"
                f" cast(t as varchar)), '')) from marts.{table} as t"
            ).fetchone()[0]
            for table in tables
        }


def rows_by_month(warehouse: Path, table: str) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select month, cast(t as varchar) from marts.{table} as t").fetchall()
    grouped: dict = {}
    for month, text in rows:
        grouped.setdefault(month, []).append(text)
    return {month: sorted(texts) for month, texts in grouped.items()}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    base = tmp_path_factory.mktemp("history")
    landing = landing_set(base / "landing")
    warehouse = base / "warehouse.duckdb"
    first = subprocess.run(run_command(landing, warehouse), capture_output=True, text=True)
    assert first.returncode == 0, first.stdout[-3000:]
    return landing, warehouse, mart_checksums(warehouse)


@pytest.mark.slow
def test_killed_runs_leave_the_published_set_and_the_next_run_recovers(history):
    landing, warehouse, checksums = history
    published = warehouse.read_bytes()
    first_run = read_publication(warehouse)["run_id"]
    for step in KILL_POINTS:
        run = start_run(landing, warehouse)
        wait_for_step(run, step)
        # publication is a fraction of a second: kill it as it starts (its inner steps are
        # killed one by one below)
        time.sleep(0 if step == "published_warehouse" else 0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
        assert run.returncode == -signal.SIGKILL
        assert warehouse.read_bytes() == published, f"killed at {step}"
        assert read_publication(warehouse)["run_id"] == first_run
        assert mart_checksums(warehouse) == checksums
        # the kernel released the dead run's lock: nothing to clean up
        with run_lock(warehouse, "test", wait_seconds=0):
            pass

    rerun = subprocess.run(run_command(landing, warehouse), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert read_publication(warehouse)["run_id"] != first_run
    # the same landing directory gives the same marts, row for row
    assert mart_checksums(warehouse) == checksums
    assert not list(warehouse.parent.glob(".*publishing*"))


@pytest.mark.slow
def test_one_more_day_of_drops_changes_only_what_that_day_touches(history):
    landing, warehouse, _ = history
    monthly = (
        "sql_by_handover_monthly",
        "revenue_by_payment_monthly",
        "channel_economics_monthly",
        "attribution_transition_monthly",
        "plan_vs_fact_monthly",
        "funnel_conversion_monthly",
    )
    before = {table: rows_by_month(warehouse, table) for table in monthly}

    # March 9th's drop: a new paid-search lead handed over the same day, and a payment
    write_csv(
        landing / "crm/leads/2026-03-09.csv",
        ["lead_id", "created_at", "segment", "utm_source", "utm_medium"],
        [["L7", "2026-03-09T08:00:00Z", "small", "google", "cpc"]],
    )
    write_csv(
        landing / "crm/lead_events/2026-03-09.csv",
        ["event_id", "lead_id", "stage", "occurred_at", "user_id"],
        [["E20", "L7", "sql", "2026-03-09T12:00:00Z", "U1"]],
    )
    write_csv(
        landing / "payments/payments/2026-03-09.csv",
        ["payment_id", "deal_id", "paid_at", "amount", "currency", "status", "kind"],
        [["P20", "", "2026-03-09T15:00:00Z", "50", "USD", "succeeded", "payment"]],
    )
    assert (
        main(
            [
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--timezone",
                "Europe/Moscow",
                "--as-of",
                AS_OF,
            ]
        )
        == 0
    )
    after = {table: rows_by_month(warehouse, table) for table in monthly}

    march = next(month for month in after["sql_by_handover_monthly"] if month.month == 3)
    for table in monthly:
        untouched = {m: rows for m, rows in before[table].items() if m != march}
        assert {m: rows for m, rows in after[table].items() if m != march} == untouched, table
    assert after["sql_by_handover_monthly"][march] != before["sql_by_handover_monthly"][march]
    assert after["revenue_by_payment_monthly"][march] != before["revenue_by_payment_monthly"][march]
    sqls = query(
        warehouse,
        "select sum(sql_count) from marts.sql_by_handover_monthly where month = ?",
        [march],
    )
    assert sqls == [(2,)]  # L1 and the new L7


@pytest.mark.slow
def test_a_second_run_refuses_while_one_is_writing(history, capsys):
    landing, warehouse, _ = history
    published = warehouse.read_bytes()
    first = start_run(landing, warehouse)
    try:
        wait_for_step(first, "dbt_build")
        capsys.readouterr()
        status = main(
            ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF]
        )
        err = capsys.readouterr().err
        assert status == BUSY
        assert f"{warehouse} is being written by run onefunnel run (pid {first.pid}" in err
        assert warehouse.read_bytes() == published
        assert main(["rollback", "--warehouse", str(warehouse)]) == BUSY
    finally:
        first.stderr.read()
        first.wait(timeout=600)
    assert first.returncode == 0


# ---------------------------------------------------------------- publication, step by step

CRASHING_PUBLISH = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import orchestration.lib.publication as publication

    candidate, warehouse, previous, where = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    if where == "copying":
        copy = publication._copy_published_schemas
        def dying_copy(con):
            con.execute("create schema marts")
            con.execute("create table marts.half as select 1 as x")
            os._exit(9)
        publication._copy_published_schemas = dying_copy
    elif where == "linking previous":
        publication._link_over = lambda source, target: os._exit(9)
    elif where == "renaming":
        real_replace = os.replace
        def dying_replace(source, target):
            if Path(target) == warehouse:
                os._exit(9)
            return real_replace(source, target)
        publication.os.replace = dying_replace
    record = publication.PublicationRecord("crashing", "2026-03-10", "UTC", "USD", "landing")
    publication.publish(candidate, warehouse, previous, record, [])
    """
)


def make_candidate(path: Path, revenue: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.revenue_by_payment_monthly as select {revenue} as revenue")
    return path


@pytest.mark.parametrize("where", ["copying", "linking previous", "renaming"])
def test_publication_killed_midway_leaves_the_published_set(tmp_path, where):
    warehouse, previous = tmp_path / "w.duckdb", tmp_path / "w.previous.duckdb"
    record = PublicationRecord("first", "2026-03-10", "UTC", "USD", "landing")
    publish(make_candidate(tmp_path / "a.duckdb", 10), warehouse, previous, record, [])
    published = warehouse.read_bytes()
    candidate = make_candidate(tmp_path / "b.duckdb", 20)

    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_PUBLISH,
            str(candidate),
            str(warehouse),
            str(previous),
            where,
        ],
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert warehouse.read_bytes() == published
    assert read_publication(warehouse)["run_id"] == "first"

    # the next publication clears what the crash left and goes through
    again = PublicationRecord("again", "2026-03-10", "UTC", "USD", "landing")
    publish(candidate, warehouse, previous, again, [])
    assert query(warehouse, "select revenue from marts.revenue_by_payment_monthly") == [(20,)]
    assert query(previous, "select revenue from marts.revenue_by_payment_monthly") == [(10,)]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb.publishing")]


# ---------------------------------------------------------------- the lock


def test_lock_refuses_naming_the_holder_and_can_wait(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from orchestration.lib.run_lock import run_lock\n"
            "with run_lock(Path(sys.argv[1]), 'nightly'):\n"
            "    print('held', flush=True); time.sleep(float(sys.argv[2]))",
            str(warehouse),
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    refused = f"being written by run nightly \\(pid {holder.pid}"
    with pytest.raises(RunLockedError, match=refused), run_lock(warehouse, "test", wait_seconds=0):
        pass
    started = time.monotonic()
    with run_lock(warehouse, "test", wait_seconds=30):
        waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert 0.5 < waited < 30


def test_lock_is_reentrant_within_a_process(tmp_path):
    # `onefunnel run` holds it, then the run's resource asks again: no deadlock, no refusal
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse, "outer"), run_lock(warehouse, "inner", wait_seconds=0):
        assert (tmp_path / "w.lock").exists()
    with run_lock(warehouse, "after", wait_seconds=0):
        pass
