"""Publication: the validated candidate becomes the warehouse readers open (SPEC §3).

The step does not trust the graph to have stopped it: it reads the check results recorded in
the candidate for this very run and refuses unless every blocking check ran and passed.
"""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.checks.quality import blocking_check_keys, guarded_assets
from orchestration.defs.resources import PipelineSettings
from orchestration.lib.publication import PublicationRecord
from orchestration.lib.quality.runner import data_docs_index, recorded_outcomes
from orchestration.lib.targets import load_target

PUBLISHED_MARTS = (
    "sql_by_handover_monthly",
    "revenue_by_payment_monthly",
    "attribution_transition_monthly",
    "channel_economics_monthly",
    "plan_vs_fact_monthly",
)
PUBLISHED_WAREHOUSE = dg.AssetKey(["published_warehouse"])


class PublicationRefused(dg.Failure):
    pass


def refusal_reasons(recorded: list[dict], required: set[dg.AssetCheckKey]) -> list[str]:
    """Why this run's candidate may not be published; empty when it may."""
    seen = {(r["asset"], r["check_name"]): r for r in recorded}
    reasons = []
    for key in sorted(required, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        record = seen.get((key.asset_key.to_user_string(), key.name))
        if record is None:
            reasons.append(
                f"{key.name} on {key.asset_key.to_user_string()}: not evaluated in this run"
            )
        elif not record["passed"] and record["severity"] == "error":
            examples = f" (e.g. {record['examples']})" if record["examples"] else ""
            reasons.append(
                f"{key.name} on {record['asset']}: {record['offending_rows']} offending row(s)"
                f" — {record['failed_expectations']}{examples}"
            )
    return reasons


@dg.asset(
    key=PUBLISHED_WAREHOUSE,
    group_name="publication",
    owners=["team:data-engineering"],
    kinds={"duckdb"},
    deps=sorted(
        {dg.AssetKey(["marts", name]) for name in PUBLISHED_MARTS} | guarded_assets(),
        key=lambda k: k.to_user_string(),
    ),
    description="The candidate's marts and facts published atomically as the warehouse BI "
    "tools open read-only, once every blocking check of this run passed. The previous set "
    "is kept for `onefunnel rollback`.",
)
def published_warehouse(context: AssetExecutionContext, settings: PipelineSettings):
    run_settings = settings.resolved()
    recorded = recorded_outcomes(run_settings.candidate, context.run.run_id)
    reasons = refusal_reasons(recorded, blocking_check_keys())
    if reasons:
        raise PublicationRefused(
            description="publication refused, the published warehouse is unchanged:\n  "
            + "\n  ".join(reasons),
            metadata={"failed_checks": len(reasons)},
        )
    record = PublicationRecord(
        run_id=context.run.run_id,
        as_of=run_settings.reporting_date().isoformat(),
        timezone=run_settings.timezone,
        base_currency=run_settings.base_currency,
        landing=str(run_settings.landing),
    )
    target = load_target(run_settings.target)
    tables = target.publish(run_settings, record, recorded)
    warnings = [r for r in recorded if not r["passed"]]
    return dg.MaterializeResult(
        metadata={
            "warehouse": dg.MetadataValue.path(target.published_location(run_settings)),
            "previous": dg.MetadataValue.path(str(run_settings.previous)),
            "tables": dg.MetadataValue.json(tables),
            "checks_passed": sum(1 for r in recorded if r["passed"]),
            "checks_with_warnings": len(warnings),
            "data_docs": dg.MetadataValue.path(str(data_docs_index(run_settings))),
            "as_of": record.as_of,
        }
    )
