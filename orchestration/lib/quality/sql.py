"""Validations computed by the warehouse's own engine: each frame is a GX query asset.

The frames (catalog.py) are queries on the candidate, written per run (as_of, time zone and
candidate schemas are in their text), so a run's data source, assets, validation definitions
and checkpoints live in an in-memory GX context. The suites do not: they are read from the
committed project (`expectations/gx/expectations/`), and validation results and Data Docs go
beside the warehouse, as the project's file context would write them. Great Expectations sends
each expectation's metric to the engine as SQL and reads back aggregates and at most a few
offending rows, so a large table is never pulled into Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from orchestration.lib.quality.catalog import Bounds, Validation
from orchestration.lib.quality.project import BATCH_DEFINITION, GX_DIR, result_format
from orchestration.lib.quality.runner import Outcome, checkpoint_outcomes, runtime_parameters
from orchestration.lib.settings import Settings

DATASOURCE = "onefunnel_warehouse"


def sql_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Suite parameters as SQLAlchemy can render them in a query's text: GX writes the
    offending-row query with literal values, and SQLAlchemy knows datetime, not Timestamp."""
    return {
        name: value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        for name, value in parameters.items()
    }


def _filesystem_store(base_directory: str, **options) -> dict:
    return {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": base_directory,
        **options,
    }


def sql_context(settings: Settings):
    """An in-memory context over the committed suites, writing results and Data Docs beside
    the warehouse of `settings`."""
    import great_expectations as gx

    in_memory = {"class_name": "InMemoryStoreBackend"}
    config = {
        "config_version": 4.0,
        "analytics_enabled": False,
        "progress_bars": {"globally": False},
        "stores": {
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _filesystem_store(str(GX_DIR / "expectations")),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _filesystem_store(str(settings.validation_results.absolute())),
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": in_memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": in_memory,
            },
        },
        "expectations_store_name": "expectations_store",
        "validation_results_store_name": "validation_results_store",
        "checkpoint_store_name": "checkpoint_store",
        "data_docs_sites": {
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": _filesystem_store(str(settings.data_docs.absolute())),
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    }
    return gx.get_context(project_config=config, mode="ephemeral")


def keep_duckdb_connection() -> None:
    """Let GX keep one DuckDB connection for a whole validation.

    GX reads a query's rows after it has closed the connection the query ran on, unless the
    dialect is one it keeps a connection open for. Closing rolls back the connection's
    transaction, and DuckDB's connection holds a single pending result, which the rollback
    replaces: every metric would come back empty and every expectation would fail on valid
    data. Listing DuckDB among those dialects makes GX open one connection (a static pool)
    and keep it until the engine is closed.
    """
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    if any(str(getattr(d, "value", d)) == "duckdb" for d in engine._PERSISTED_CONNECTION_DIALECTS):
        return

    class DuckdbDialectName(str):
        # GX compares connection strings with `.value` and dialect names with `==`
        value = "duckdb"

    engine._PERSISTED_CONNECTION_DIALECTS = (
        *engine._PERSISTED_CONNECTION_DIALECTS,
        DuckdbDialectName("duckdb"),
    )


def _checkpoint(context, datasource, validation: Validation, frame_sql: str, split_rows: int):
    import great_expectations as gx

    # GX takes only a query that starts with `select`; some frames start with `with`
    asset = datasource.add_query_asset(
        validation.name, query=f"select * from ({frame_sql}) as frame"
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=validation.name,
            data=asset.add_batch_definition_whole_table(BATCH_DEFINITION),
            suite=context.suites.get(validation.name),
        )
    )
    wanted = result_format(validation)
    if validation.split_by:
        # on SQL, GX lists at most `partial_unexpected_count` offending rows even in COMPLETE
        # format; a frame split by entity needs every one to give each entity its result
        wanted["partial_unexpected_count"] = max(wanted["partial_unexpected_count"], split_rows)
    return context.checkpoints.add(
        gx.Checkpoint(
            name=validation.name,
            validation_definitions=[definition],
            result_format=wanted,
        )
    )


def run_sql_validations(
    settings: Settings,
    validations: tuple[Validation, ...],
    connection_string: str,
    engine_options: Mapping[str, Any] | None = None,
    bounds: Bounds | None = None,
) -> list[Outcome]:
    """Run `validations` on the database at `connection_string` (a SQLAlchemy URL);
    `engine_options` go to `create_engine`."""
    import sqlalchemy as sa

    if connection_string.startswith("duckdb"):
        keep_duckdb_connection()
    bounds = bounds or Bounds.from_environment()
    parameters = sql_parameters(runtime_parameters(settings, bounds))
    context = sql_context(settings)
    datasource = context.data_sources.add_sql(
        DATASOURCE,
        connection_string=connection_string,
        kwargs=dict(engine_options or {}),
        create_temp_table=False,
    )
    engine = datasource.get_execution_engine()
    outcomes: list[Outcome] = []
    results = []
    try:
        for validation in validations:
            frame_sql = validation.frame_sql(settings)
            with engine.get_connection() as connection:
                rows_checked = connection.execute(
                    sa.text(f"select count(*) from ({frame_sql}) as frame")
                ).scalar_one()
                split_values = (
                    connection.execute(
                        sa.text(f"select {validation.split_by} from ({frame_sql}) as frame")
                    )
                    .scalars()
                    .all()
                    if validation.split_by
                    else []
                )
            checkpoint = _checkpoint(context, datasource, validation, frame_sql, len(split_values))
            result = checkpoint.run(expectation_parameters=parameters)
            outcomes += checkpoint_outcomes(validation, result, rows_checked, split_values)
            results += result.run_results
    finally:
        _close(datasource, engine)
    # once for the run, not after each checkpoint: every index build reads all kept results
    context.build_data_docs(resource_identifiers=results)
    return outcomes


def _close(datasource, execution_engine) -> None:
    """Close every connection GX opened: the warehouse file must be free before publication
    renames or reopens it, and GX's own `close` leaves a kept connection open."""
    if execution_engine._connection is not None:
        execution_engine._connection.close()
    execution_engine.engine.dispose()
    datasource.get_engine().dispose()


def duckdb_url(path) -> str:
    return f"duckdb:///{path}"


def run_duckdb_validations(
    warehouse, settings: Settings, validations: tuple[Validation, ...], bounds=None
) -> list[Outcome]:
    """Validate the DuckDB file `warehouse`, opened read-only."""
    return run_sql_validations(
        settings,
        validations,
        duckdb_url(warehouse),
        {"connect_args": {"read_only": True}},
        bounds,
    )
