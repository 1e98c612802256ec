"""Where a run builds and publishes the warehouse: DuckDB files, a PostgreSQL database, or
Spark building what is published as a DuckDB file.

Every target goes through the same Dagster graph (ingest → dbt → validations → publication);
what differs is where the landed rows go, where the validations compute and how a validated
candidate becomes what readers see. Each target is one module exposing `TARGET` (a `Target`),
registered below and imported only when a run uses it, so that DuckDB runs need nothing
another engine's extra brings. Adding an engine = a module + one `TargetSpec` line.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb

    from orchestration.lib.entities import Entity
    from orchestration.lib.publication import PublicationRecord
    from orchestration.lib.quality.catalog import Validation
    from orchestration.lib.quality.runner import Outcome
    from orchestration.lib.settings import Settings

DEFAULT_TARGET = "duckdb"


@dataclass(frozen=True)
class TargetSpec:
    name: str
    # the module that defines `TARGET`
    module: str
    # Python modules the target cannot run without, and the extra that installs them
    requires: tuple[str, ...] = ()
    extra: str | None = None
    # dbt builds `<schema><suffix>` so that a run never writes what readers see; empty where
    # the candidate is a database of its own (the DuckDB candidate file)
    candidate_schema_suffix: str = ""
    # dbt's id of a test hashes its arguments as the adapter quotes them (`"Cost"` on DuckDB
    # and PostgreSQL, `` `Cost` `` on Spark): where they differ, the run's dbt assets are
    # defined from a manifest parsed for the target, not from the default one
    own_dbt_manifest: bool = False


TARGETS: dict[str, TargetSpec] = {
    spec.name: spec
    for spec in (
        TargetSpec("duckdb", "orchestration.lib.targets.duckdb"),
        TargetSpec(
            "postgres",
            "orchestration.lib.targets.postgres",
            requires=("dbt.adapters.postgres", "psycopg2", "sqlalchemy"),
            extra="postgres",
            candidate_schema_suffix="_candidate",
        ),
        # Spark's warehouse belongs to the run (beside the warehouse file, `Settings.spark_dir`)
        # and nobody reads it: validated tables are published as a DuckDB file
        TargetSpec(
            "spark",
            "orchestration.lib.targets.spark",
            requires=("dbt.adapters.spark", "pyspark"),
            extra="spark",
            own_dbt_manifest=True,
        ),
    )
}


class TargetUnavailable(RuntimeError):
    """A target this installation or environment cannot run; the message says what to do."""


# One landing entity's rows, written by ingestion to the run's DuckDB candidate, handed on;
# returns what it did, for the run's log, or None when there is nothing to say.
LandEntity = Callable[["duckdb.DuckDBPyConnection", "Entity"], "str | None"]
# Ingestion's own raw tables, rewritten with each entity: handed on with it (the models read
# the quarantine, the landing validation the log)
INGESTION_TABLES = ("quarantine", "ingestion_log")


class Target(Protocol):
    name: str
    # whether the alignment report (which reads the published DuckDB file) follows publication
    writes_report: bool

    def prepare(self, settings: Settings) -> None:
        """Fail early, saying what is wrong, when the target cannot be reached or set up."""

    def land(self, settings: Settings) -> AbstractContextManager[LandEntity]:
        """What to do with each entity once ingestion has checked its rows into the candidate."""

    def run_validations(
        self, settings: Settings, validations: tuple[Validation, ...]
    ) -> list[Outcome]: ...

    def publish(
        self, settings: Settings, record: PublicationRecord, check_results: list[dict]
    ) -> list[str]:
        """Make the validated candidate what readers see, all at once; return its tables."""

    def rollback(self, settings: Settings) -> None:
        """Swap the published set and the one it replaced; a second rollback undoes the first."""

    def read_publication(self, settings: Settings) -> dict | None:
        """The published set's record (run, as_of, settings), or None when nothing is."""

    def published_location(self, settings: Settings) -> str: ...

    def previous_location(self, settings: Settings) -> str:
        """Where the set the last publication replaced is kept for rollback."""


def target_spec(name: str) -> TargetSpec:
    try:
        return TARGETS[name]
    except KeyError:
        raise TargetUnavailable(
            f"target: unknown target {name!r} (one of {', '.join(TARGETS)})"
        ) from None


def load_target(name: str) -> Target:
    spec = target_spec(name)
    missing = [m for m in spec.requires if not _importable(m)]
    if missing:
        raise TargetUnavailable(
            f"target {name} needs {', '.join(missing)}: pip install 'onefunnel[{spec.extra}]'"
        )
    return importlib.import_module(spec.module).TARGET


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
