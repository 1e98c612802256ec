"""The default target: dbt builds the candidate DuckDB file ingestion writes, GX validates it
through DuckDB's SQL, and publication renames a fresh file over the one BI tools open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.lib import publication
from orchestration.lib.quality import runner
from orchestration.lib.settings import Settings
from orchestration.lib.targets import LandEntity


class DuckdbTarget:
    name = "duckdb"
    writes_report = True

    def prepare(self, settings: Settings) -> None:
        pass

    @contextmanager
    def land(self, settings: Settings) -> Iterator[LandEntity]:
        # the candidate ingestion writes is the warehouse dbt builds: nothing to hand on
        yield lambda con, entity: None

    def run_validations(self, settings: Settings, validations) -> list[runner.Outcome]:
        from orchestration.lib.quality import sql

        return sql.run_duckdb_validations(settings.candidate, settings, validations)

    def publish(self, settings: Settings, record, check_results: list[dict]) -> list[str]:
        return publication.publish(
            settings.candidate, settings.warehouse, settings.previous, record, check_results
        )

    def rollback(self, settings: Settings) -> None:
        publication.rollback(settings.warehouse, settings.previous)

    def read_publication(self, settings: Settings) -> dict | None:
        return publication.read_publication(settings.warehouse)

    def published_location(self, settings: Settings) -> str:
        return str(settings.warehouse)

    def previous_location(self, settings: Settings) -> str:
        return str(settings.previous)


TARGET = DuckdbTarget()
