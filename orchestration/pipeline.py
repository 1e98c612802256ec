"""One whole run of the daily pipeline, in-process through Dagster, and what it did."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.publication.assets import PUBLISHED_WAREHOUSE
from orchestration.defs.reporting.assets import ALIGNMENT_REPORT
from orchestration.defs.schedules import DAILY_PIPELINE_JOB
from orchestration.lib.ingestion import EntityLoad
from orchestration.lib.quality.runner import recorded_outcomes
from orchestration.lib.settings import Settings

QUIET_CONSOLE = {"console": {"config": {"log_level": "CRITICAL"}}}


@dataclass
class RunReport:
    settings: Settings
    succeeded: bool
    step_seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    loads: list[EntityLoad] = field(default_factory=list)
    log_file: Path | None = None
    # every check evaluated on the candidate in this run (dicts of `audit.check_results`)
    checks: list[dict] = field(default_factory=list)
    published: bool = False
    # the alignment report's HTML, when this run wrote it
    report: Path | None = None

    @property
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if not c["passed"] and c["severity"] == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [c for c in self.checks if not c["passed"] and c["severity"] != "error"]


def run_log_path(settings: Settings) -> Path:
    """dbt's console output of the last run, kept beside the warehouse."""
    return settings.warehouse.with_name(settings.warehouse.stem + ".run.log")


def run_config(quiet: bool, progress: bool) -> dict | None:
    loggers = {**(QUIET_CONSOLE if quiet else {"console": {}})}
    if progress:
        loggers["step_progress"] = {}
    return {"loggers": loggers} if quiet or progress else None


def run_pipeline(
    settings: Settings, *, quiet: bool = True, progress: bool = False, full_refresh: bool = False
) -> RunReport:
    """Materialise every asset for `settings` (with `as_of` fixed for the whole run); with
    `full_refresh`, from every landing file and with every table rebuilt."""
    from orchestration.definitions import build_definitions

    settings = settings.for_run()
    job = build_definitions(settings, full_refresh).resolve_job_def(DAILY_PIPELINE_JOB)
    instance = dg.DagsterInstance.ephemeral()
    log_file = run_log_path(settings) if quiet else None
    with contextlib.ExitStack() as stack:
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            # dagster-dbt echoes dbt's whole console to stdout; the summary is what people read.
            stack.enter_context(contextlib.redirect_stdout(stack.enter_context(log_file.open("w"))))
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config(quiet, progress)
        )
    report = RunReport(settings=settings, succeeded=result.success, log_file=log_file)
    started: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        ):
            report.step_seconds[event.step_key] = entry.timestamp - started.get(
                event.step_key, entry.timestamp
            )
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            cause = error.cause if error and error.cause else None
            message = (cause.message if cause else error.message if error else "failed").strip()
            report.failures.append(f"{event.step_key}: {message}")
    if settings.candidate.exists():
        report.loads = read_ingestion_log(settings.candidate)
        report.checks = recorded_outcomes(settings.candidate, result.run_id)
    materialized = {
        e.asset_key: e.step_materialization_data.materialization
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    # the report runs after publication: its failure is listed but un-publishes nothing
    report.published = PUBLISHED_WAREHOUSE in materialized
    if ALIGNMENT_REPORT in materialized:
        report.report = Path(materialized[ALIGNMENT_REPORT].metadata["html"].path)
    report.succeeded = report.published
    return report


def read_ingestion_log(warehouse: Path) -> list[EntityLoad]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select 1 from information_schema.tables"
            " where table_schema = 'raw' and table_name = 'ingestion_log'"
        ).fetchall()
        if not tables:
            return []
        rows = con.execute(
            "select entity, mode, reason, files_read, files, rows_read, rows_staged,"
            " rows_quarantined, rows_replaced, records, seconds"
            " from raw.ingestion_log order by entity"
        ).fetchall()
    return [EntityLoad(*row) for row in rows]
