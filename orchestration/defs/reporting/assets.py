"""The weekly alignment report, written from the published warehouse after each publication.

It reads the file BI tools open, never the candidate, so it shows exactly what was published.
It runs after publication: if it fails, the newly published set stays published.
"""

import dagster as dg

from orchestration.defs.publication.assets import PUBLISHED_WAREHOUSE
from orchestration.defs.resources import PipelineSettings
from orchestration.lib.report import write_alignment_report

ALIGNMENT_REPORT = dg.AssetKey(["alignment_report"])


@dg.asset(
    key=ALIGNMENT_REPORT,
    group_name="reporting",
    owners=["team:revenue-operations"],
    kinds={"html", "markdown"},
    deps=[PUBLISHED_WAREHOUSE],
    description="The weekly marketing–sales meeting's report: funnel stages with conversion "
    "against the previous week and month, SQLs and revenue against plan with the run-rate "
    "forecast, channel economics, SLA and recycling, the biggest movers. HTML with charts "
    "and Markdown for a chat thread, in `reports/` beside the warehouse.",
)
def alignment_report(settings: PipelineSettings) -> dg.MaterializeResult:
    files = write_alignment_report(settings.resolved().warehouse)
    headline = {k: v for k, v in files.headline.items() if v is not None}
    return dg.MaterializeResult(
        metadata={
            "html": dg.MetadataValue.path(str(files.html)),
            "markdown": dg.MetadataValue.path(str(files.markdown)),
            **headline,
        }
    )
