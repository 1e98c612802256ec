"""One asset per landing entity, materialised together per source (crm, ads, payments, finance).

Asset keys are `<source>/<entity>`, the keys dagster-dbt gives the dbt sources of the same
tables, so the staging models hang directly below them in the graph.
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from orchestration.defs.resources import PipelineSettings
from orchestration.lib.entities import SOURCES, crm_stage_names, entities_of
from orchestration.lib.ingestion import EntityLoad, load_entity
from orchestration.lib.landing import IngestionError
from orchestration.lib.paths import SEEDS_DIR
from orchestration.lib.pii import pii_salt
from orchestration.lib.targets import load_target


def load_metadata(load: EntityLoad) -> dict:
    return {
        "mode": load.mode,
        "reason": load.reason,
        "files": load.files,
        "files_read": load.files_read,
        "rows_read": load.rows_read,
        "rows_staged": load.rows_staged,
        "rows_quarantined": load.rows_quarantined,
        "rows_replaced": load.rows_replaced,
        "records": load.records,
        "dagster/row_count": load.rows_staged,
        "seconds": round(load.seconds, 3),
    }


def build_source_ingestion(source: str) -> dg.AssetsDefinition:
    entities = entities_of(source)

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[
            dg.AssetSpec(
                key=dg.AssetKey([source, e.name]),
                group_name=source,
                owners=["team:data-engineering"],
                kinds={"duckdb", "csv", "parquet"},
                description=(
                    f"Landing `{e.path}` (csv or parquet, file or folder of drops) loaded into "
                    f"`raw.{e.table}` with file and line per row; bad rows go to raw.quarantine."
                ),
                metadata={"table": f"raw.{e.table}", "key": ", ".join(e.key)},
            )
            for e in entities
        ],
    )
    def ingest(context: AssetExecutionContext, settings: PipelineSettings):
        run_settings = settings.resolved()
        enum_values = {"stage": tuple(crm_stage_names(SEEDS_DIR))}
        loaded_at = datetime.now(UTC)
        salt = pii_salt(run_settings.warehouse)
        run_settings.candidate.parent.mkdir(parents=True, exist_ok=True)
        with (
            duckdb.connect(str(run_settings.candidate)) as con,
            load_target(run_settings.target).land(run_settings) as land,
        ):
            for e in entities:
                try:
                    load = load_entity(
                        con,
                        run_settings.landing,
                        e,
                        enum_values,
                        loaded_at,
                        salt,
                        incremental=not settings.full_refresh,
                    )
                except IngestionError as exc:
                    raise dg.Failure(description=f"ingestion of {e.path} failed: {exc}") from exc
                landed = land(con, e)
                if landed:
                    context.log.info(landed)
                context.log.info(
                    f"{e.path}: {load.mode} ({load.reason}), {load.files_read} of {load.files}"
                    f" file(s) read; in raw: read {load.rows_read}, staged {load.rows_staged}, "
                    f"quarantined {load.rows_quarantined}, replaced {load.rows_replaced}"
                )
                yield dg.MaterializeResult(
                    asset_key=dg.AssetKey([source, e.name]), metadata=load_metadata(load)
                )

    return ingest


ingestion_assets = [build_source_ingestion(source) for source in SOURCES]
