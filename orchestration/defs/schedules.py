"""The daily pipeline: every asset, once a day at 06:00 in the reporting time zone."""

from __future__ import annotations

import dagster as dg

DAILY_PIPELINE_JOB = "daily_pipeline"

daily_pipeline = dg.define_asset_job(
    DAILY_PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest every landing entity, then dbt seed + build (staging → marts).",
)


def daily_schedule(timezone: str) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_pipeline_at_0600",
        job=daily_pipeline,
        cron_schedule="0 6 * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Runs the whole graph at 06:00 in the reporting time zone.",
    )
