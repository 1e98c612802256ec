"""`onefunnel run --target spark` end to end on a local Spark: the hand-worked landing set of
test_marts.py published as the same marts and facts the DuckDB target publishes (row for row,
the marts with the same column types), the same checks computed on Spark, and a failed
blocking check that leaves the published file untouched.

Each run starts several Spark processes (the raw loader per source, dbt twice, the validations
per check step, the export), so these run only where `ONEFUNNEL_SPARK_TESTS` is set:
`scripts/test-engines.sh spark` sets it, with Java 17 and the spark extra in place, and fails
if any of them skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from orchestration.lib.engines import compare
from orchestration.lib.pii import salt_path
from orchestration.lib.publication import PUBLISHED_SCHEMAS
from tests.conftest import add_unconvertible_payment, query, run_fixture_on

pytestmark = [
    pytest.mark.slow,
    pytest.mark.engines,
    pytest.mark.skipif(
        not os.environ.get("ONEFUNNEL_SPARK_TESTS"),
        reason="runs Spark: ONEFUNNEL_SPARK_TESTS=1 (scripts/test-engines.sh spark)",
    ),
]


def run_on_spark(landing: Path, warehouse: Path) -> int:
    return run_fixture_on("spark", landing, warehouse)


@pytest.fixture(scope="module")
def published(tmp_path_factory, marts_warehouse) -> dict:
    from tests.test_marts import landing_set

    base = tmp_path_factory.mktemp("spark_target")
    landing = landing_set(base / "landing")
    warehouse = base / "warehouse.duckdb"
    # the DuckDB run's salt (unless the environment sets one), so that the contact hashes
    # of the facts compare too
    if salt_path(marts_warehouse).exists():
        shutil.copy2(salt_path(marts_warehouse), salt_path(warehouse))
    assert run_on_spark(landing, warehouse) == 0
    return {"landing": landing, "base": base, "warehouse": warehouse}


def published_run_id(warehouse: Path) -> str:
    return query(warehouse, "select run_id from audit.publication")[0][0]


def test_the_published_marts_and_facts_equal_the_duckdb_targets_row_for_row(
    published, marts_warehouse
):
    warehouse = published["warehouse"]
    tables = compare.duckdb_tables(marts_warehouse, PUBLISHED_SCHEMAS)
    assert {t for s, t in tables if s == "marts"} >= set(compare.CONTRACT_MARTS)
    assert sorted(tables) == sorted(compare.duckdb_tables(warehouse, PUBLISHED_SCHEMAS))
    results = compare.compare_tables(
        tables, compare.duckdb_fetch(marts_warehouse), compare.duckdb_fetch(warehouse)
    )
    assert [r.line() for r in results if not r.equal] == []
    # what BI tools see of the marts has DuckDB's types too (`month` a DATE, as SPEC §3 says)
    columns = (
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' order by table_name, ordinal_position"
    )
    assert query(warehouse, columns) == query(marts_warehouse, columns)


def test_the_checks_computed_on_spark_are_the_duckdb_targets(published, marts_warehouse):
    checks = "select check_name, asset, passed, severity, offending_rows from audit.check_results"
    on_spark = sorted(query(published["warehouse"], checks))
    assert on_spark == sorted(query(marts_warehouse, checks))
    assert [check for check in on_spark if check[3] == "error"] == []
    # the validations ran on Spark: each check step left its process's output
    logs = published["base"] / "warehouse.spark" / "logs"
    assert {p.name for p in logs.glob("validate-*.log")} >= {
        "validate-sources.ingestion.log",
        "validate-sources.log",
        "validate-attribution_transition.log",
        "validate-revenue.log",
    }


def test_a_failed_blocking_check_leaves_the_published_file_untouched(published, capsys):
    warehouse = published["warehouse"]
    landing = published["base"] / "landing-unconvertible"
    shutil.copytree(published["landing"], landing)
    add_unconvertible_payment(landing)
    before = warehouse.read_bytes()
    run_id = published_run_id(warehouse)
    capsys.readouterr()
    assert run_on_spark(landing, warehouse) == 1
    output = capsys.readouterr().out
    assert "revenue_fx_coverage" in output
    assert "P9" in output
    assert warehouse.read_bytes() == before
    assert published_run_id(warehouse) == run_id
