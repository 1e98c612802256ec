"""dbt's unit tests (one or more per counting rule, in the models' yml) run here, in CI: the
daily pipeline leaves them out, since they check the SQL, not the day's data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from orchestration.lib.paths import PROJECT_DIR


def defined_unit_tests() -> set[str]:
    names = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names.update(test["name"] for test in document.get("unit_tests", []))
    return names


def test_every_dbt_unit_test_passes(marts_warehouse: Path, tmp_path: Path):
    # Unit tests read the column types of their inputs from a built warehouse: the fixture's
    # candidate holds every model.
    candidate = marts_warehouse.with_name("warehouse.candidate.duckdb")
    environ = {**os.environ, "ONEFUNNEL_CANDIDATE": str(candidate)}
    environ.pop("ONEFUNNEL_TARGET", None)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "--no-use-colors",
            "--log-path",
            str(tmp_path / "logs"),
            "test",
            "--select",
            "test_type:unit",
            "--profiles-dir",
            str(PROJECT_DIR),
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env=environ,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-5000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    expected = defined_unit_tests()
    assert len(expected) >= 50
    assert set(ran) == expected
    assert set(ran.values()) == {"pass"}
