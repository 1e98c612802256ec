"""Resources shared by every asset: the run settings and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import dagster as dg

from orchestration.lib.publication import set_aside_unreadable_candidate
from orchestration.lib.run_lock import RunLockedError, run_lock
from orchestration.lib.settings import Settings
from orchestration.lib.targets import TargetUnavailable, load_target


class PipelineSettings(dg.ConfigurableResource):
    """SPEC §4 settings as a Dagster resource; `as_of` empty means today in `timezone`."""

    landing: str
    warehouse: str
    timezone: str = "UTC"
    base_currency: str = "USD"
    as_of: str | None = None
    # Read every landing file again and rebuild every incremental table, instead of loading
    # only new files and updating the tables by key.
    full_refresh: bool = False
    target: str = "duckdb"

    @classmethod
    def from_settings(cls, settings: Settings, full_refresh: bool = False) -> PipelineSettings:
        return cls(
            full_refresh=full_refresh,
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            timezone=settings.timezone,
            base_currency=settings.base_currency,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
            target=settings.target,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[PipelineSettings]:
        # Held for the whole run (the in-process executor sets resources up once per run): a
        # second run against the same warehouse refuses, or waits, instead of interleaving.
        settings = self.resolved()
        run_id = context.run_id or "a run"
        try:
            with run_lock(settings.warehouse, run_id):
                damaged = set_aside_unreadable_candidate(settings.candidate)
                if damaged is not None and context.log is not None:
                    context.log.warning(
                        f"the candidate left by an interrupted run could not be opened; "
                        f"moved it to {damaged} and building a new one"
                    )
                load_target(settings.target).prepare(settings)
                yield self
        except (RunLockedError, TargetUnavailable) as exc:
            raise dg.Failure(description=str(exc)) from exc

    def resolved(self) -> Settings:
        return Settings(
            landing=self.landing,
            warehouse=self.warehouse,
            timezone=self.timezone,
            base_currency=self.base_currency,
            as_of=date.fromisoformat(self.as_of) if self.as_of else None,
            target=self.target,
        )
