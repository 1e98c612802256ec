"""The dbt seeds and models as Dagster assets (dagster-dbt), grouped by layer.

Two dbt invocations per run: seeds with staging, then the rest. Each costs seconds of dbt
start-up whatever the data, so there are as few as the blocking checks allow. dbt's unit tests
check the SQL, not the data: CI runs them (tests/test_dbt_unit_tests.py), the daily run does not.
"""

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.dbt.project import (
    build_fingerprint,
    dbt_cli,
    dbt_target_path,
    onefunnel_dbt_project,
    record_build,
    recorded_fingerprint,
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
    extra_args: tuple[str, ...] = (),
):
    run_settings = settings.resolved()
    step = context.assets_def.node_def.name
    fingerprint = build_fingerprint(run_settings)
    events, failure = [], None
    if settings.full_refresh:
        extra_args = (*extra_args, "--full-refresh")
    elif recorded_fingerprint(run_settings, step) != fingerprint:
        context.log.info(
            "dbt rebuilds every table of this step: no record of an earlier build of this"
            " warehouse from the same project files, dbt version, target and settings"
        )
        extra_args = (*extra_args, "--full-refresh")
    with settings_environment(run_settings):
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
    # A subset (one model materialized from the UI) leaves the step's other tables as they were.
    if set(context.selected_asset_keys) == set(context.assets_def.keys):
        record_build(run_settings, step, fingerprint)


def build_dbt_assets(manifest: Path) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """The two dbt steps, defined from `manifest`."""

    # Staging is built on its own so that the source suites can validate it, and block, before
    # anything counts from it (a blocking check cannot sit between models of one dbt step).
    # The seeds come with it: they are small, and a step of their own would cost another dbt
    # start.
    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        select="resource_type:seed path:models/staging",
        name="dbt_staging",
    )
    def dbt_staging(
        context: AssetExecutionContext, dbt: DbtCliResource, settings: PipelineSettings
    ):
        # Tests that also read an intermediate model run with the models.
        yield from _dbt_build(context, dbt, settings, ("--indirect-selection", "cautious"))

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        select="path:models/intermediate path:models/marts",
        name="dbt_models",
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: PipelineSettings):
        yield from _dbt_build(context, dbt, settings)

    return dbt_staging, dbt_models


dbt_staging, dbt_models = build_dbt_assets(project.manifest_path)


def dbt_assets_for(settings: Settings) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """The dbt steps of a run on `settings.target`: the ones above, unless the target's tests
    have ids of their own (`target_manifest`)."""
    manifest = target_manifest(project, settings)
    if manifest == project.manifest_path:
        return dbt_staging, dbt_models
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
