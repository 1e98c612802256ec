"""Resources shared by every asset: the run settings and the dbt CLI."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.lib.settings import Settings


class PipelineSettings(dg.ConfigurableResource):
    """SPEC §4 settings as a Dagster resource; `as_of` empty means today in `timezone`."""

    landing: str
    warehouse: str
    timezone: str = "UTC"
    base_currency: str = "USD"
    as_of: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineSettings:
        return cls(
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            timezone=settings.timezone,
            base_currency=settings.base_currency,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
        )

    def resolved(self) -> Settings:
        return Settings(
            landing=self.landing,
            warehouse=self.warehouse,
            timezone=self.timezone,
            base_currency=self.base_currency,
            as_of=date.fromisoformat(self.as_of) if self.as_of else None,
        )
