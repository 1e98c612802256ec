"""What a validation's Great Expectations results mean, in people's terms, and where they are kept."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.lib.paths import SEEDS_DIR
from orchestration.lib.publication import (
    CHECK_RESULT_COLUMNS,
    check_results_ddl,
    insert_check_results,
)
from orchestration.lib.quality.catalog import WARNING, Bounds, Validation
from orchestration.lib.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 5


@dataclass
class Failure:
    """One expectation that did not hold."""

    expectation: str
    severity: str
    offending_rows: int
    examples: list[str] = field(default_factory=list)

    def describe(self) -> str:
        examples = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.expectation}: {self.offending_rows} offending row(s){examples}"


@dataclass
class Outcome:
    """A validation's result for one guarded asset."""

    validation: Validation
    asset: tuple[str, ...]
    check_name: str
    failures: list[Failure]
    rows_checked: int
    evaluated_at: datetime

    @property
    def blocking(self) -> bool:
        return self.validation.blocking

    @property
    def critical_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.severity != WARNING]

    @property
    def passed(self) -> bool:
        """False on any failure; only a critical one blocks publication."""
        return not self.failures

    @property
    def severity(self) -> str:
        return "error" if self.critical_failures else "warning"

    @property
    def offending_rows(self) -> int:
        return max((f.offending_rows for f in self.failures), default=0)

    def summary(self) -> str:
        if not self.failures:
            return f"{self.check_name}: passed ({self.rows_checked} rows)"
        return f"{self.check_name}: " + "; ".join(f.describe() for f in self.failures)

    def as_record(self) -> dict:
        return {
            "check_name": self.check_name,
            "asset": "/".join(self.asset),
            "passed": self.passed,
            "severity": self.severity if self.failures else "none",
            "blocking": self.blocking,
            "offending_rows": self.offending_rows,
            "failed_expectations": "; ".join(f.expectation for f in self.failures),
            "examples": "; ".join(", ".join(f.examples) for f in self.failures if f.examples),
            "evaluated_at": self.evaluated_at.replace(tzinfo=None),
        }


def seed_column(seed: str, column: str) -> list[str]:
    with (SEEDS_DIR / f"{seed}.csv").open(newline="", encoding="utf-8") as f:
        return sorted({row[column] for row in csv.DictReader(f)})


def runtime_parameters(settings: Settings, bounds: Bounds):
    """Suite parameters: the bounds, and value lists the project's seeds define (read from
    the seed files, so that landing can be validated before dbt loads them)."""
    channels = seed_column("channel_map", "channel")
    stages = seed_column("crm_stage_map", "crm_stage")
    return {
        **bounds.parameters(settings),
        # a lead whose utm fields match no row of the map is `other`; without any, `direct`
        "lead_channels": sorted({*channels, "other", "direct"}),
        "crm_stages": sorted({s.strip().lower() for s in stages}),
    }


def _expectation_label(result) -> str:
    config = result.expectation_config
    description = config.description or ""
    kwargs = config.kwargs
    target = (
        kwargs.get("column")
        or kwargs.get("column_list")
        or (f"{kwargs.get('column_A')} vs {kwargs.get('column_B')}" if "column_A" in kwargs else "")
    )
    label = f"{config.type}({target})" if target else config.type
    return f"{label} — {description}" if description else label


def _format_key(row: dict, index_columns: tuple[str, ...]) -> str:
    values = [row.get(c) for c in index_columns if c in row]
    return "/".join(str(v) for v in values) if values else str(row)


def _failures(result, validation: Validation, split_value: str | None) -> Failure | None:
    if result.success:
        return None
    severity = str(getattr(result.expectation_config.severity, "value", "critical"))
    info = result.exception_info or {}
    if info.get("raised_exception"):
        message = (info.get("exception_message") or "raised an exception").splitlines()[0]
        return Failure(f"{_expectation_label(result)} — error: {message}", severity, 0)
    details = result.result or {}
    indexed = details.get("unexpected_index_list") or details.get("partial_unexpected_index_list")
    if split_value is not None:
        rows = [r for r in (indexed or []) if r.get(validation.split_by) == split_value]
        if not rows:
            return None
        keys = [_format_key(r, validation.index_columns) for r in rows]
        return Failure(_expectation_label(result), severity, len(rows), keys[:EXAMPLES])
    count = details.get("unexpected_count")
    if count is None:
        # table- or aggregate-level expectation: the observed value says what is wrong
        observed = details.get("observed_value")
        return Failure(f"{_expectation_label(result)} (observed {observed})", severity, 1)
    if indexed:
        keys = [_format_key(r, validation.index_columns) for r in indexed]
    else:
        keys = [str(v) for v in details.get("partial_unexpected_list") or []]
    return Failure(_expectation_label(result), severity, int(count), keys[:EXAMPLES])


def checkpoint_outcomes(
    validation: Validation, checkpoint_result, rows_checked: int, split_values: list[str]
) -> list[Outcome]:
    """The outcomes of one checkpoint run over a frame of `rows_checked` rows; `split_values`
    are the frame's values of `validation.split_by`, one outcome each."""
    now = datetime.now(UTC)
    results = [
        expectation_result
        for run_result in checkpoint_result.run_results.values()
        for expectation_result in run_result.results
    ]
    if validation.split_by is None:
        failures = [f for r in results if (f := _failures(r, validation, None))]
        return [
            Outcome(
                validation, validation.asset, validation.check_name, failures, rows_checked, now
            )
        ]
    outcomes = []
    for value in split_values:
        failures = [f for r in results if (f := _failures(r, validation, value))]
        asset = tuple(value.split("/"))
        outcomes.append(Outcome(validation, asset, validation.check_name, failures, 1, now))
    return outcomes


def validate_frame(context, validation: Validation, frame: pd.DataFrame, parameters: dict):
    """Run the validation's committed checkpoint on a DataFrame, e.g. one a notebook pulled
    (results and Data Docs as the context is configured)."""
    checkpoint = context.checkpoints.get(validation.name)
    result = checkpoint.run(
        batch_parameters={"dataframe": frame}, expectation_parameters=parameters
    )
    split_values = frame[validation.split_by].tolist() if validation.split_by else []
    return checkpoint_outcomes(validation, result, len(frame), split_values)


def data_docs_index(settings: Settings) -> Path:
    return settings.data_docs / "index.html"


RECORD_COLUMNS = tuple(name for name, _ in CHECK_RESULT_COLUMNS)


def record_outcomes(warehouse: Path, run_id: str, records: list[dict]) -> None:
    """Keep a run's check results in the warehouse it validated, for publication to confirm."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists audit")
        con.execute(check_results_ddl(("run_id", "varchar")))
        con.execute(
            "delete from audit.check_results where run_id = ? and list_contains(?, check_name)",
            [run_id, sorted({r["check_name"] for r in records})],
        )
        insert_check_results(con, records, run_id)


def recorded_outcomes(warehouse: Path, run_id: str) -> list[dict]:
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = con.execute(
            "select 1 from information_schema.tables"
            " where table_schema = 'audit' and table_name = 'check_results'"
        ).fetchall()
        if not present:
            return []
        rows = con.execute(
            f"select {', '.join(RECORD_COLUMNS)} from audit.check_results where run_id = ?"
            " order by check_name, asset",
            [run_id],
        ).fetchall()
    return [dict(zip(RECORD_COLUMNS, row, strict=True)) for row in rows]
