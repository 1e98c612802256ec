"""The dbt seeds and models as Dagster assets (dagster-dbt), grouped by layer.

One dbt invocation per run builds the seeds, staging and every model, with their data tests:
each dbt start costs seconds of imports and parsing whatever the data. dbt's own tests stop
what reads a failed table; the Great Expectations suites run after the build and gate
publication. dbt's unit tests check the SQL, not the data: CI runs them
(tests/test_dbt_unit_tests.py), the daily run does not.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import (
    BuildRecord,
    build_fingerprint,
    dbt_cli,
    dbt_target_path,
    environment,
    onefunnel_dbt_project,
    record_build,
    recorded_build,
    settings_environment,
    target_manifest,
)
from orchestration.defs.resources import PipelineSettings
from orchestration.lib.settings import Settings
from orchestration.lib.targets import DEFAULT_TARGET

LAYERS = ("staging", "intermediate", "marts")


class OnefunnelTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        return layer if layer in LAYERS else super().get_group_name(dbt_resource_props)


project = onefunnel_dbt_project()
translator = OnefunnelTranslator()


def _dbt_build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    settings: PipelineSettings,
):
    run_settings = settings.resolved()
    step = context.assets_def.node_def.name
    # A subset (one model materialized from the UI) leaves the step's other tables as they were.
    whole_step = set(context.selected_asset_keys) == set(context.assets_def.keys)
    build = BuildRecord(
        build_fingerprint(run_settings),
        run_settings.reporting_date(),
        datetime.now(UTC).replace(tzinfo=None),
    )
    events, failure, changes, extra_args = [], None, {}, ()
    if settings.full_refresh:
        extra_args = ("--full-refresh",)
    else:
        last = recorded_build(run_settings, step)
        rebuild = _rebuild_reason(run_settings, last, build)
        if rebuild is not None:
            context.log.info(f"dbt rebuilds every table: {rebuild}")
            extra_args = ("--full-refresh",)
        elif whole_step:
            # a subset computes its lead-level models for every lead
            changes = lead_changes_environment(run_settings, last)
    with settings_environment(run_settings), environment(changes):
        try:
            events.extend(
                dbt.cli(
                    # The settings reach dbt through the environment (settings_environment):
                    # a changed --vars makes dbt parse the whole project again, every day.
                    [
                        "build",
                        "--exclude-resource-type",
                        "unit_test",
                        *extra_args,
                    ],
                    context=context,
                    target_path=dbt_target_path(run_settings),
                ).stream()
            )
        except Exception as exc:  # noqa: BLE001 — re-raised once what was built is reported
            failure = exc
    # dbt holds the candidate while it runs; once it is done, each materialization gets its
    # table's row count and column types, read from the candidate itself. Another target's
    # dbt builds elsewhere (and the spark target's candidate holds the last published set).
    if run_settings.target == DEFAULT_TARGET:
        yield from with_table_metadata(events, run_settings.candidate)
    else:
        yield from events
    if failure is not None:
        raise failure
    if whole_step:
        record_build(run_settings, step, build)


def _rebuild_reason(settings: Settings, last: BuildRecord | None, build: BuildRecord) -> str | None:
    """Why the incremental tables cannot be updated from the last build, if they cannot
    (macros/updated_by_lead.sql lists what updating per lead relies on)."""
    if last is None or last.fingerprint != build.fingerprint:
        return (
            "no record of an earlier build of this warehouse from the same project files,"
            " dbt version, target and settings"
        )
    if build.as_of < last.as_of:
        return f"as_of {build.as_of} is before {last.as_of}, the day they were built up to"
    return _crm_change_not_per_lead(settings, last.started)


def _crm_change_not_per_lead(settings: Settings, started: datetime) -> str | None:
    """A change to the CRM since `started` that updating lead by lead would miss: an entity
    whose every landing file was loaded since (a reload, which may have dropped records
    without a trace in the new rows), or any new file of users (a user's team decides which
    activities answer an SQL, for every lead they touched)."""
    try:
        with duckdb.connect(str(settings.candidate), read_only=True) as con:
            row = con.execute(
                "select entity, min(loaded_at) >= ? from raw.landing_files"
                " where entity like 'crm/%' group by entity"
                " having min(loaded_at) >= ? or (entity = 'crm/users' and max(loaded_at) >= ?)"
                " order by entity limit 1",
                [started] * 3,
            ).fetchone()
    except duckdb.Error as exc:
        return f"the record of loaded files could not be read ({exc})"
    if row is None:
        return None
    entity, reloaded = row
    if reloaded:
        return f"{entity} was loaded again in full since they were built"
    return f"{entity} received a new file since they were built"


def lead_changes_environment(settings: Settings, last: BuildRecord) -> dict[str, str]:
    """For dbt: since when the lead-level models look for changed leads."""
    return {
        "ONEFUNNEL_CHANGES_LOADED_SINCE": last.started.isoformat(sep=" "),
        "ONEFUNNEL_CHANGES_DATED_FROM": settings.end_of_day_utc(last.as_of).isoformat(sep=" "),
    }


def build_dbt_assets(manifest: Path) -> dg.AssetsDefinition:
    """The dbt step, defined from `manifest`."""

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        name="dbt_build",
    )
    def dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, settings: PipelineSettings):
        yield from _dbt_build(context, dbt, settings)

    return dbt_build


dbt_build = build_dbt_assets(project.manifest_path)


def dbt_assets_for(settings: Settings) -> dg.AssetsDefinition:
    """The dbt step of a run on `settings.target`: the one above, unless the target's tests
    have ids of their own (`target_manifest`)."""
    manifest = target_manifest(project, settings)
    if manifest == project.manifest_path:
        return dbt_build
    return build_dbt_assets(manifest)


def with_table_metadata(events: list, warehouse: Path) -> Iterator:
    relations = {
        node["unique_id"]: (node["schema"], node.get("alias") or node["name"])
        for node in json.loads(project.manifest_path.read_text())["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    if not warehouse.exists():
        yield from events
        return
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns: dict[tuple[str, str], list[dg.TableColumn]] = {}
        for schema, table, column, data_type in con.execute(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append(dg.TableColumn(column, data_type))
        for event in events:
            relation = None
            if isinstance(event, dg.Output):
                relation = relations.get(
                    event.metadata.get("unique_id", dg.TextMetadataValue("")).value
                )
            if relation is None or relation not in columns:
                yield event
                continue
            schema, table = relation
            (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            yield event.with_metadata(
                {
                    **event.metadata,
                    "dagster/row_count": rows,
                    "dagster/column_schema": dg.TableSchema(columns=columns[relation]),
                    "dagster/table_name": f"{schema}.{table}",
                }
            )


def dbt_resource() -> DbtCliResource:
    return dbt_cli(project)
