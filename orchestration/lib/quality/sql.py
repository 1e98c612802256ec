"""Validations computed by the warehouse's own engine: each frame is a GX query asset.

The frames (catalog.py) are queries on the candidate, written per run (as_of, time zone and
candidate schemas are in their text), so a run's data source, assets, validation definitions
and checkpoints live in an in-memory GX context (`project.run_context`). The suites do not:
they are read from the committed project, and validation results and Data Docs go beside
the warehouse, as the project's file context would write them. Great Expectations sends
each expectation's metric to the engine as SQL and reads back aggregates and at most a few
offending rows, so a large table is never pulled into Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestration.lib.quality.catalog import Bounds, Validation
from orchestration.lib.quality.project import (
    BATCH_DEFINITION,
    add_checkpoint,
    build_run_docs,
    result_format,
    run_context,
)
from orchestration.lib.quality.runner import Outcome, checkpoint_outcomes, runtime_parameters
from orchestration.lib.settings import Settings

DATASOURCE = "onefunnel_warehouse"


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


# A suite's first run asks for its verdict alone: one count per expectation. The offending
# rows and values take a query each per expectation, which on a table of millions scans it
# again whether there is anything to find or not, so a suite that failed runs a second time
# for them, and that run's result is the one kept.
VERDICT_FORMAT = {"result_format": "BOOLEAN_ONLY"}


def _detailed_format(validation: Validation, split_rows: int) -> dict:
    wanted = result_format(validation)
    if validation.split_by:
        # on SQL, GX lists at most `partial_unexpected_count` offending rows even in COMPLETE
        # format; a frame split by entity needs every one to give each entity its result
        wanted["partial_unexpected_count"] = max(wanted["partial_unexpected_count"], split_rows)
    return wanted


def _checkpoint(context, datasource, validation: Validation, frame_sql: str):
    # GX takes only a query that starts with `select`; some frames start with `with`
    asset = datasource.add_query_asset(
        validation.name, query=f"select * from ({frame_sql}) as frame"
    )
    return add_checkpoint(
        context,
        validation,
        asset.add_batch_definition_whole_table(BATCH_DEFINITION),
        dict(VERDICT_FORMAT),
    )


def _run(context, checkpoint, validation: Validation, parameters: dict, split_rows: int):
    result = checkpoint.run(expectation_parameters=parameters)
    if result.success:
        return result
    for key in result.run_results:
        context.validation_results_store.remove_key(key)
    checkpoint.result_format = _detailed_format(validation, split_rows)
    checkpoint.save()
    return checkpoint.run(expectation_parameters=parameters)


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
    parameters = runtime_parameters(settings, bounds)
    context = run_context(settings)
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
            checkpoint = _checkpoint(context, datasource, validation, frame_sql)
            result = _run(context, checkpoint, validation, parameters, len(split_values))
            outcomes += checkpoint_outcomes(validation, result, rows_checked, split_values)
            results.append(result)
    finally:
        _close(datasource, engine)
    build_run_docs(context, results)
    return outcomes


def _close(datasource, execution_engine) -> None:
    """Close every connection GX opened: the warehouse file must be free before publication
    renames or reopens it, and GX's own `close` leaves a kept connection open."""
    if execution_engine._connection is not None:
        execution_engine._connection.close()
    execution_engine.engine.dispose()
    datasource.get_engine().dispose()


def run_duckdb_validations(
    warehouse, settings: Settings, validations: tuple[Validation, ...], bounds=None
) -> list[Outcome]:
    """Validate the DuckDB file `warehouse`, opened read-only."""
    return run_sql_validations(
        settings,
        validations,
        f"duckdb:///{warehouse}",
        {"connect_args": {"read_only": True}},
        bounds,
    )
