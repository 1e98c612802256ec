"""Write-audit-publish: readers only ever see a complete, validated set of marts."""

import csv
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import main
from orchestration.defs.publication.assets import refusal_reasons
from orchestration.lib.publication import (
    PublicationError,
    PublicationRecord,
    parquet_dir,
    publish,
    read_publication,
    rollback,
)
from tests.conftest import query
from tests.test_marts import landing_set

RECORD = PublicationRecord("run-1", "2026-03-10", "UTC", "USD", "landing")


def make_candidate(path: Path, revenue: int) -> Path:
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "staging", "core", "marts"):
            con.execute(f"create schema {schema}")
        con.execute("create table raw.crm__leads as select 'a@example.com' as email")
        con.execute("create view staging.stg_crm__leads as select * from raw.crm__leads")
        con.execute("create table core.fct_payments as select 'P1' as payment_id")
        con.execute(f"create table marts.revenue_by_payment_monthly as select {revenue} as revenue")
    return path


def test_publish_copies_marts_and_facts_only(tmp_path):
    candidate = make_candidate(tmp_path / "w.candidate.duckdb", 10)
    warehouse, previous = tmp_path / "w.duckdb", tmp_path / "w.previous.duckdb"
    tables = publish(candidate, warehouse, previous, RECORD, [])
    assert tables == ["core.fct_payments", "marts.revenue_by_payment_monthly"]
    schemas = query(
        warehouse,
        "select distinct table_schema from information_schema.tables order by 1",
    )
    assert schemas == [("audit",), ("core",), ("marts",)]
    assert query(warehouse, "select revenue from marts.revenue_by_payment_monthly") == [(10,)]
    assert read_publication(warehouse)["run_id"] == "run-1"
    assert not previous.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".w.parquet-sets",
        "w.candidate.duckdb",
        "w.duckdb",
        "w.parquet",
    ]
    # every mart as a Parquet file too, equal to the table
    assert sorted(p.name for p in parquet_dir(warehouse).iterdir()) == [
        "revenue_by_payment_monthly.parquet"
    ]
    parquet = str(parquet_dir(warehouse) / "revenue_by_payment_monthly.parquet")
    assert query(warehouse, f"select * from read_parquet('{parquet}')") == [(10,)]


def test_previous_set_is_kept_and_rollback_swaps(tmp_path):
    warehouse, previous = tmp_path / "w.duckdb", tmp_path / "w.previous.duckdb"
    publish(make_candidate(tmp_path / "a.duckdb", 10), warehouse, previous, RECORD, [])
    second = PublicationRecord("run-2", "2026-03-11", "UTC", "USD", "landing")
    publish(make_candidate(tmp_path / "b.duckdb", 20), warehouse, previous, second, [])

    def revenue(path):
        return query(path, "select revenue from marts.revenue_by_payment_monthly")[0][0]

    def parquet_revenue(previous=False):
        path = parquet_dir(warehouse, previous=previous) / "revenue_by_payment_monthly.parquet"
        return query(warehouse, f"select revenue from read_parquet('{path}')")[0][0]

    assert (revenue(warehouse), revenue(previous)) == (20, 10)
    assert (parquet_revenue(), parquet_revenue(previous=True)) == (20, 10)
    rollback(warehouse, previous)
    assert (revenue(warehouse), revenue(previous)) == (10, 20)
    assert (parquet_revenue(), parquet_revenue(previous=True)) == (10, 20)
    assert read_publication(warehouse)["run_id"] == "run-1"
    rollback(warehouse, previous)
    assert (revenue(warehouse), revenue(previous)) == (20, 10)
    assert (parquet_revenue(), parquet_revenue(previous=True)) == (20, 10)

    # a third publication keeps two sets of Parquet files, the published and the previous
    third = PublicationRecord("run-3", "2026-03-12", "UTC", "USD", "landing")
    publish(make_candidate(tmp_path / "c.duckdb", 30), warehouse, previous, third, [])
    assert (parquet_revenue(), parquet_revenue(previous=True)) == (30, 20)
    assert len(list((tmp_path / ".w.parquet-sets").iterdir())) == 2


def test_rollback_without_previous_set_is_refused(tmp_path, capsys):
    with pytest.raises(PublicationError, match="nothing to roll back to"):
        rollback(tmp_path / "w.duckdb", tmp_path / "w.previous.duckdb")
    assert main(["rollback", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "nothing to roll back to" in capsys.readouterr().err


def test_publication_refuses_failed_or_missing_blocking_checks():
    leads = dg.AssetCheckKey(dg.AssetKey(["staging", "stg_crm__leads"]), "sources_crm__leads")
    revenue = dg.AssetCheckKey(
        dg.AssetKey(["marts", "revenue_by_payment_monthly"]), "revenue_fx_coverage"
    )
    recorded = [
        {
            "check_name": "revenue_fx_coverage",
            "asset": "marts/revenue_by_payment_monthly",
            "passed": False,
            "severity": "error",
            "offending_rows": 1,
            "failed_expectations": "expect_column_values_to_be_in_set(has_fx_rate)",
            "examples": "payment/P9/GBP",
        }
    ]
    reasons = refusal_reasons(recorded, {leads, revenue})
    assert reasons == [
        "revenue_fx_coverage on marts/revenue_by_payment_monthly: 1 offending row(s)"
        " — expect_column_values_to_be_in_set(has_fx_rate) (e.g. payment/P9/GBP)",
        "sources_crm__leads on staging/stg_crm__leads: not evaluated in this run",
    ]
    recorded[0].update(passed=False, severity="warning")
    assert refusal_reasons(recorded, {revenue}) == []


# ---------------------------------------------------------------- whole runs

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    warehouse, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    with out.open("w") as log:
        while not stop.exists():
            if not warehouse.exists():
                time.sleep(0.01)
                continue
            try:
                with duckdb.connect(str(warehouse), read_only=True) as con:
                    row = con.execute(
                        "select (select run_id from audit.publication),"
                        " (select count(*) from information_schema.tables"
                        "  where table_schema = 'marts'),"
                        " (select sum(revenue) from marts.revenue_by_payment_monthly),"
                        " (select sum(sql_count) from marts.sql_by_handover_monthly),"
                        " (select sum(sql_count_by_handover)"
                        "  from marts.attribution_transition_monthly)"
                    ).fetchone()
                log.write(json.dumps({"set": [str(v) for v in row]}) + "\\n")
            except Exception as exc:
                log.write(json.dumps({"error": repr(exc)}) + "\\n")
            log.flush()
    """
)


def rewrite_payments(landing: Path, extra_rows: list[list[str]]) -> None:
    path = landing / "payments/payments.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows + extra_rows)


def run(landing: Path, warehouse: Path) -> int:
    return main(
        [
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            "--timezone",
            "Europe/Moscow",
            "--as-of",
            "2026-03-10",
        ]
    )


@pytest.mark.slow
def test_reader_sees_only_complete_sets_through_three_runs(tmp_path, capsys):
    warehouse = tmp_path / "published/warehouse.duckdb"
    warehouse.parent.mkdir()
    landing = landing_set(tmp_path / "landing")
    stop, observations = tmp_path / "stop", tmp_path / "observations.jsonl"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop), str(observations)]
    )
    try:
        # 1: the hand-worked landing set publishes
        assert run(landing, warehouse) == 0
        first = read_publication(warehouse)["run_id"]
        published_bytes = warehouse.read_bytes()

        # 2: a succeeded payment in a currency without any rate blocks publication
        rewrite_payments(
            landing, [["P9", "D1", "2026-03-09T10:00:00Z", "80", "GBP", "succeeded", "payment"]]
        )
        capsys.readouterr()
        assert run(landing, warehouse) == 1
        out = capsys.readouterr().out
        assert "FAILED   revenue_fx_coverage on marts/revenue_by_payment_monthly" in out
        assert "1 offending row(s)" in out and "payment/P9/GBP" in out
        assert "nothing published" in out
        assert warehouse.read_bytes() == published_bytes

        # 3: with a GBP rate the same landing publishes, revenue up by 80 × 1.25
        with (landing / "finance/fx_rates.csv").open("a", encoding="utf-8") as f:
            f.write("2026-03-01,GBP,1.25\n")
        assert run(landing, warehouse) == 0
        third = read_publication(warehouse)["run_id"]
    finally:
        stop.touch()
        reader.wait(timeout=60)

    lines = [json.loads(line) for line in observations.read_text().splitlines()]
    errors = [line["error"] for line in lines if "error" in line]
    assert errors == []
    seen = {tuple(line["set"]) for line in lines}
    marts = str(
        query(
            warehouse, "select count(*) from information_schema.tables where table_schema = 'marts'"
        )[0][0]
    )
    # run id, every mart, revenue, SQLs twice: the hand-worked numbers, then +100.00 of revenue
    expected = {
        (first, marts, "1825.50", "4", "4"),
        (third, marts, "1925.50", "4", "4"),
    }
    assert seen <= expected, seen - expected
    assert (third, marts, "1925.50", "4", "4") in seen
    assert len(lines) > 10


@pytest.mark.slow
def test_parquet_files_of_every_mart_equal_the_tables(marts_warehouse):
    marts = [
        row[0]
        for row in query(
            marts_warehouse,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    ]
    folder = parquet_dir(marts_warehouse)
    assert sorted(p.stem for p in folder.iterdir()) == sorted(marts)
    for mart in marts:
        parquet = str(folder / f"{mart}.parquet")
        differences = query(
            marts_warehouse,
            f"select count(*) from ((select * from marts.{mart} except all"
            f" select * from read_parquet('{parquet}')) union all"
            f" (select * from read_parquet('{parquet}') except all select * from marts.{mart}))",
        )
        assert differences == [(0,)], mart
        assert query(marts_warehouse, f"select count(*) from read_parquet('{parquet}')") == query(
            marts_warehouse, f"select count(*) from marts.{mart}"
        )
