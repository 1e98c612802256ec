import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.lib.entities import ENTITIES
from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.settings import Settings


def test_definitions_hold_the_whole_graph():
    defs = build_definitions(Settings(timezone="Europe/Moscow"))
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    for e in ENTITIES:
        assert e.path in keys
        assert f"staging/stg_{e.table}" in keys
    assert {"seeds/channel_map", "seeds/crm_stage_map"} <= keys

    graph = defs.resolve_asset_graph()
    staged_leads = graph.get(dg.AssetKey(["staging", "stg_crm__leads"]))
    assert dg.AssetKey(["crm", "leads"]) in staged_leads.parent_keys

    job = defs.resolve_job_def("daily_pipeline")
    assert {node.name for node in job.nodes} >= {"ingest_crm", "ingest_payments", "dbt_models"}
    schedule = defs.resolve_schedule_def("daily_pipeline_at_0600")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Europe/Moscow"


def test_dagster_cli_validates_the_code_location():
    environ = {**os.environ, "ONEFUNNEL_TIMEZONE": "UTC"}
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate"],
        cwd=PROJECT_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
