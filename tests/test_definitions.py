import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.defs.checks.quality import blocking_check_keys
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
    assert {node.name for node in job.nodes} >= {
        "ingest_crm",
        "ingest_payments",
        "dbt_staging",
        "dbt_models",
        "validate_landing",
        "validate_sources",
        "validate_attribution_transition",
        "validate_revenue",
        "published_warehouse",
    }
    schedule = defs.resolve_schedule_def("daily_pipeline_at_0600")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Europe/Moscow"


def test_suites_are_asset_checks_on_what_they_guard_and_gate_publication():
    defs = build_definitions(Settings())
    graph = defs.resolve_asset_graph()
    checks = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }
    revenue = checks[("marts/revenue_by_payment_monthly", "revenue_fx_coverage")]
    assert revenue.blocking
    assert checks[
        ("marts/attribution_transition_monthly", "attribution_transition_totals")
    ].blocking
    assert checks[("staging/stg_crm__leads", "sources_crm__leads")].blocking
    assert checks[("crm/leads", "sources_ingestion")].blocking
    # warnings only: visible, never blocking
    assert not checks[("marts/sql_by_handover_monthly", "attribution_transition_shares")].blocking
    assert not checks[("payments/payments", "sources_freshness")].blocking

    publication = graph.get(dg.AssetKey(["published_warehouse"]))
    # every asset a blocking suite guards is upstream, so its checks run before publication
    gating = blocking_check_keys()
    assert len(gating) > 20
    for key in gating:
        assert checks[(key.asset_key.to_user_string(), key.name)].blocking
        assert key.asset_key in publication.parent_keys


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
