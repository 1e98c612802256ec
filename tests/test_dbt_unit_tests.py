"""dbt's unit tests (one or more per counting rule, in the models' yml) run here, in CI: the
daily pipeline leaves them out, since they check the SQL, not the day's data. Also the
project's own generic data test that the daily run relies on for required columns."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from orchestration.lib.paths import PROJECT_DIR


def defined_unit_tests() -> set[str]:
    names = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names.update(test["name"] for test in document.get("unit_tests", []))
    return names


def dbt_test(candidate: Path, selection: str, out: Path) -> tuple[int, str, list[dict]]:
    """`dbt test --select selection` on the DuckDB file `candidate`: exit code, output, results."""
    environ = {**os.environ, "ONEFUNNEL_CANDIDATE": str(candidate)}
    environ.pop("ONEFUNNEL_TARGET", None)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--no-use-colors",
            "--log-path",
            str(out / "logs"),
            "test",
            "--select",
            selection,
            "--profiles-dir",
            str(PROJECT_DIR),
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(out / "target"),
        ],
        env=environ,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    results = json.loads((out / "target" / "run_results.json").read_text())["results"]
    return done.returncode, done.stdout, results


def test_every_dbt_unit_test_passes(marts_warehouse: Path, tmp_path: Path):
    # Unit tests read the column types of their inputs from a built warehouse: the fixture's
    # candidate holds every model.
    candidate = marts_warehouse.with_name("warehouse.candidate.duckdb")
    returncode, output, results = dbt_test(candidate, "test_type:unit", tmp_path)
    assert returncode == 0, output[-5000:]
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    expected = defined_unit_tests()
    assert len(expected) >= 50
    assert set(ran) == expected
    assert set(ran.values()) == {"pass"}


def test_required_columns_fail_naming_each_column_with_nulls(marts_warehouse: Path, tmp_path):
    candidate = tmp_path / "warehouse.candidate.duckdb"
    shutil.copy(marts_warehouse.with_name("warehouse.candidate.duckdb"), candidate)
    selection = "test_name:not_null_columns,fct_leads"
    returncode, output, results = dbt_test(candidate, selection, tmp_path / "clean")
    assert returncode == 0, output[-3000:]
    assert [r["status"] for r in results] == ["pass"]

    with duckdb.connect(str(candidate)) as con:
        con.execute(
            "update core.fct_leads set segment = null, created_date = null"
            " where lead_id in (select min(lead_id) from core.fct_leads)"
        )
    returncode, output, results = dbt_test(candidate, selection, tmp_path / "broken")
    assert returncode == 1
    (result,) = results
    # one failing row per column with NULLs
    assert (result["status"], result["failures"]) == ("fail", 2)
