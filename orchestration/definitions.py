"""The Dagster code location: `dagster dev` from the repository root loads `defs`."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.checks.quality import quality_checks
from orchestration.defs.dbt.assets import dbt_assets_for, dbt_resource
from orchestration.defs.ingestion.assets import ingestion_assets
from orchestration.defs.loggers import LOGGERS
from orchestration.defs.publication.assets import published_warehouse
from orchestration.defs.reporting.assets import alignment_report
from orchestration.defs.resources import PipelineSettings
from orchestration.defs.schedules import daily_pipeline, daily_schedule
from orchestration.lib.settings import Settings
from orchestration.lib.targets import load_target


def build_definitions(settings: Settings, full_refresh: bool = False) -> dg.Definitions:
    return dg.Definitions(
        assets=[
            *ingestion_assets,
            dbt_assets_for(settings),
            published_warehouse,
            *([alignment_report] if load_target(settings.target).writes_report else []),
        ],
        asset_checks=quality_checks,
        jobs=[daily_pipeline],
        schedules=[daily_schedule(settings.timezone)],
        resources={
            "settings": PipelineSettings.from_settings(settings, full_refresh=full_refresh),
            "dbt": dbt_resource(),
        },
        executor=dg.in_process_executor,
        loggers=LOGGERS,
    )


defs = build_definitions(Settings.resolve())
