"""Great Expectations suites as Dagster asset checks on the assets they guard.

One check step per area (landing, sources, attribution transition, revenue) validates the
candidate warehouse with the area's suites. A suite with a critical expectation is a blocking
check: when it fails, the steps after it do not run and publication refuses. Landing is
validated before dbt; the other areas after the one dbt step, which stops what reads a table
whose dbt tests failed. Warnings fail with severity WARN: visible in the UI and the run
summary, never blocking.
"""

from datetime import UTC, datetime

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.defs.resources import PipelineSettings
from orchestration.lib.entities import ENTITIES
from orchestration.lib.quality.catalog import FRESHNESS_DATES, VALIDATIONS, Validation
from orchestration.lib.quality.runner import (
    Outcome,
    data_docs_index,
    record_outcomes,
)
from orchestration.lib.targets import load_target

# A blocking check runs between the step that builds its asset and the steps that read it:
# landing before dbt, the rest between dbt and publication.
CHECK_STEPS = {
    "validate_landing": ("sources.ingestion",),
    "validate_sources": tuple(
        v.name for v in VALIDATIONS if v.area == "sources" and v.name != "sources.ingestion"
    ),
    "validate_attribution_transition": tuple(
        v.name for v in VALIDATIONS if v.area == "attribution_transition"
    ),
    "validate_revenue": tuple(v.name for v in VALIDATIONS if v.area == "revenue"),
}


def _split_assets(validation: Validation) -> list[dg.AssetKey]:
    if validation.name == "sources.freshness":
        paths = [entity for entity, _, _ in FRESHNESS_DATES]
    else:
        paths = [e.path for e in ENTITIES]
    return [dg.AssetKey(path.split("/")) for path in paths]


def check_specs(validation: Validation) -> list[dg.AssetCheckSpec]:
    assets = (
        _split_assets(validation) if validation.split_by else [dg.AssetKey(list(validation.asset))]
    )
    return [
        dg.AssetCheckSpec(
            name=validation.check_name,
            asset=asset,
            blocking=validation.blocking,
            description=f"{validation.description} (suite `{validation.name}`)",
        )
        for asset in assets
    ]


def blocking_check_keys() -> set[dg.AssetCheckKey]:
    """Every check that must have passed, in the same run, before publication."""
    return {spec.key for v in VALIDATIONS if v.blocking for spec in check_specs(v)}


def guarded_assets() -> set[dg.AssetKey]:
    return {spec.asset_key for v in VALIDATIONS for spec in check_specs(v)}


def _result(outcome: Outcome, docs: str) -> dg.AssetCheckResult:
    metadata = {
        "suite": outcome.validation.name,
        "rows_checked": outcome.rows_checked,
        "offending_rows": outcome.offending_rows,
        "data_docs": dg.MetadataValue.path(docs),
    }
    for number, failure in enumerate(outcome.failures, start=1):
        metadata[f"failure_{number}"] = failure.describe()
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(outcome.asset)),
        check_name=outcome.check_name,
        passed=outcome.passed,
        severity=(
            dg.AssetCheckSeverity.ERROR if outcome.critical_failures else dg.AssetCheckSeverity.WARN
        ),
        description=outcome.summary(),
        metadata=metadata,
    )


def build_check_step(step: str) -> dg.AssetChecksDefinition:
    validations = tuple(v for v in VALIDATIONS if v.name in CHECK_STEPS[step])
    specs = [spec for v in validations for spec in check_specs(v)]

    @dg.multi_asset_check(
        specs=specs,
        name=step,
        description="Great Expectations suites "
        + ", ".join(f"`{v.name}`" for v in validations)
        + " on the candidate warehouse.",
    )
    def validate(context: AssetCheckExecutionContext, settings: PipelineSettings):
        run_settings = settings.resolved()
        now = datetime.now(UTC)
        outcomes = load_target(run_settings.target).run_validations(run_settings, validations)
        produced = {(o.asset, o.check_name) for o in outcomes}
        for spec in specs:
            if (tuple(spec.asset_key.path), spec.name) not in produced:
                # a landing entity the frame has no row for: nothing was read for it
                validation = next(v for v in validations if v.check_name == spec.name)
                outcomes.append(
                    Outcome(validation, tuple(spec.asset_key.path), spec.name, [], 0, now)
                )
        record_outcomes(
            run_settings.candidate,
            context.op_execution_context.run_id,
            [o.as_record() for o in outcomes],
        )
        docs = str(data_docs_index(run_settings))
        for outcome in outcomes:
            if outcome.failures:
                log = context.log.error if outcome.critical_failures else context.log.warning
                log(outcome.summary())
            yield _result(outcome, docs)

    return validate


quality_checks = [build_check_step(step) for step in CHECK_STEPS]
