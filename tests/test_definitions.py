import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

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
        "dbt_build",
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


def test_assets_have_owners_groups_and_descriptions():
    graph = build_definitions(Settings()).resolve_asset_graph()
    expected = {
        ("crm", "leads"): ("crm", "team:data-engineering"),
        ("ads", "google_ads"): ("ads", "team:data-engineering"),
        ("staging", "stg_payments__payments"): ("staging", "team:data-engineering"),
        ("intermediate", "int_leads_handed_over"): ("intermediate", "team:data-engineering"),
        ("core", "fct_leads"): ("marts", "team:data-engineering"),
        ("marts", "sql_by_handover_monthly"): ("marts", "team:revenue-operations"),
        ("published_warehouse",): ("publication", "team:data-engineering"),
        ("alignment_report",): ("reporting", "team:revenue-operations"),
    }
    for key, (group, owner) in expected.items():
        node = graph.get(dg.AssetKey(list(key)))
        assert (node.group_name, list(node.owners)) == (group, [owner]), key
    for key in graph.materializable_asset_keys:
        assert graph.get(key).description, key.to_user_string()


def test_dbt_materializations_carry_row_counts_and_column_types(tmp_path):
    from orchestration.defs.dbt.assets import with_table_metadata

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.sql_by_handover_monthly as"
            " select date '2026-01-01' as month, 3 as sql_count union all select date '2026-02-01', 4"
        )
    output = dg.Output(
        None,
        output_name="marts_sql_by_handover_monthly",
        metadata={"unique_id": "model.onefunnel.sql_by_handover_monthly"},
    )
    (event,) = with_table_metadata([output], warehouse)
    assert event.metadata["dagster/row_count"].value == 2
    assert [(c.name, c.type) for c in event.metadata["dagster/column_schema"].schema.columns] == [
        ("month", "DATE"),
        ("sql_count", "INTEGER"),
    ]


def test_dbt_starts_without_dagster_dbts_in_process_dbt_setup(tmp_path, monkeypatch):
    import dagster_dbt.core.resource
    from dagster_dbt import DbtCliResource

    from orchestration.defs.dbt.project import dbt_cli, onefunnel_dbt_project

    # The hooks DbtCli overrides are dagster-dbt's own: were one renamed, the seconds it saves
    # would come back without a word.
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    spawned = []
    monkeypatch.setattr(
        dagster_dbt.core.resource, "check_output", lambda *args, **kw: spawned.append(args)
    )
    invocation = dbt_cli(onefunnel_dbt_project()).cli(["--quiet", "parse"], target_path=tmp_path)
    invocation.wait()
    assert invocation.is_successful()
    assert invocation.adapter is None
    assert spawned == []  # no `dbt --version` before dbt itself
    assert (tmp_path / "manifest.json").exists()


def test_loading_the_definitions_leaves_great_expectations_unimported():
    # Importing them takes seconds: `dagster dev`, the CLI and a run's start need only the
    # checks' names; the validation steps import them when they run.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from orchestration.definitions import defs\n"
            "defs.resolve_asset_graph()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('great_expectations', 'pandas')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_DIR,
    )
    assert loaded.stdout.strip() == "[]"
