"""The benchmark's floor (benchmarks/floor.sql) computes the same five contract marts as the
pipeline. The benchmark checks this on every run; this test keeps it true when the models
change, on a small generated landing set with a reporting time zone far from UTC and an
as_of inside the last month (cut-off and month-to-date run rate)."""

import importlib.util
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib.generator import generate

ROOT = Path(__file__).resolve().parents[1]


def benchmark_module():
    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks/run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_floor_equals_published_marts(tmp_path: Path, capsys) -> None:
    bench = benchmark_module()
    landing = tmp_path / "landing"
    generate(landing, leads=1_500, months=3, seed=11, end=date(2026, 3, 31))
    warehouse = tmp_path / "warehouse.duckdb"
    settings = ["--timezone", "Asia/Tokyo", "--base-currency", "USD", "--as-of", "2026-03-17"]
    status = main(
        ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--no-progress"]
        + settings
    )
    summary = capsys.readouterr().out
    assert status == 0, summary

    floor_db = tmp_path / "floor.duckdb"
    with duckdb.connect(str(floor_db)) as con:
        variables = {
            "landing": str(landing),
            "seeds": str(ROOT / "seeds"),
            "tz": "Asia/Tokyo",
            "base_currency": "USD",
            "as_of": "2026-03-17",
        }
        for name, value in variables.items():
            con.execute(f"SET VARIABLE {name} = ?", [value])
        con.execute(bench.FLOOR_SQL.read_text())

    assert bench.compare(floor_db, warehouse) == []

    # the benchmark reads step times and rows read from the run summary
    steps, rows_read = bench.parse_run_summary(summary)
    stages = bench.stages_of(steps)
    assert rows_read > 1_500
    assert stages["ingest"] > 0 and stages["dbt"] > 0 and stages["validations"] > 0
    assert "published_warehouse" in steps
