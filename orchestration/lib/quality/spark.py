"""The catalogue's validations computed on Spark, for the spark target.

Each frame of the catalogue is a Spark SQL query over the Spark tables the run's dbt built;
Great Expectations validates it with its Spark engine (a Spark data source, one dataframe
asset per frame), so the data stays in Spark and only results and offending keys come back.

It runs as a process of its own, which opens the Spark warehouse of the run's settings (read
from the environment, as dbt's profile reads them) and writes the outcomes as JSON:

    python -m orchestration.lib.quality.spark --out OUTCOMES.json SUITE...

Embedded Derby, Spark's metastore, admits one process at a time, and the next dbt step of the
run must find it free; a process that has exited has let go of it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from orchestration.lib.quality import catalog
from orchestration.lib.quality.catalog import Bounds, Validation
from orchestration.lib.quality.project import (
    BATCH_DEFINITION,
    DATASOURCE,
    add_checkpoint,
    build_run_docs,
    result_format,
    run_context,
)
from orchestration.lib.quality.runner import (
    Failure,
    Outcome,
    checkpoint_outcomes,
    runtime_parameters,
)
from orchestration.lib.settings import Settings


def validate_on_spark(
    spark, settings: Settings, validations: tuple[Validation, ...], bounds: Bounds | None = None
) -> list[Outcome]:
    """Validate each frame of `validations`, computed by `spark`; Data Docs go beside the
    warehouse of `settings`, as on the other targets."""
    parameters = runtime_parameters(settings, bounds or Bounds.from_environment())
    context = run_context(settings)
    # the frames are cached here, once each, rather than by GX
    datasource = context.data_sources.add_spark(DATASOURCE, persist=False)
    outcomes: list[Outcome] = []
    results = []
    for validation in validations:
        frame = spark.sql(validation.frame_sql(settings)).cache()
        try:
            rows_checked = frame.count()
            split_values = (
                [row[0] for row in frame.select(validation.split_by).collect()]
                if validation.split_by
                else []
            )
            asset = datasource.add_dataframe_asset(validation.name)
            checkpoint = add_checkpoint(
                context,
                validation,
                asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION),
                # COMPLETE lists every offending row on Spark: a split frame needs no more
                result_format(validation),
            )
            result = checkpoint.run(
                batch_parameters={"dataframe": frame}, expectation_parameters=parameters
            )
        finally:
            frame.unpersist()
        outcomes += checkpoint_outcomes(validation, result, rows_checked, split_values)
        results.append(result)
    build_run_docs(context, results)
    return outcomes


def outcome_as_json(outcome: Outcome) -> dict:
    return {
        "validation": outcome.validation.name,
        "asset": list(outcome.asset),
        "check_name": outcome.check_name,
        "failures": [
            {
                "expectation": f.expectation,
                "severity": f.severity,
                "offending_rows": f.offending_rows,
                "examples": f.examples,
            }
            for f in outcome.failures
        ],
        "rows_checked": outcome.rows_checked,
        "evaluated_at": outcome.evaluated_at.isoformat(),
    }


def outcome_from_json(data: dict) -> Outcome:
    return Outcome(
        validation=catalog.validation(data["validation"]),
        asset=tuple(data["asset"]),
        check_name=data["check_name"],
        failures=[Failure(**failure) for failure in data["failures"]],
        rows_checked=data["rows_checked"],
        evaluated_at=datetime.fromisoformat(data["evaluated_at"]),
    )


def read_outcomes(path: Path) -> list[Outcome]:
    return [outcome_from_json(o) for o in json.loads(path.read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from orchestration.lib.engines.spark import session

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.quality.spark")
    parser.add_argument("--out", type=Path, required=True, help="where to write the outcomes")
    parser.add_argument("suites", nargs="+", help="names of the catalogue's validations")
    args = parser.parse_args(argv)
    try:
        validations = tuple(catalog.validation(name) for name in args.suites)
    except KeyError as exc:
        parser.error(f"no validation {exc}")
    settings = Settings.resolve()
    spark = session()
    try:
        outcomes = validate_on_spark(spark, settings, validations)
    finally:
        spark.stop()
    args.out.write_text(json.dumps([outcome_as_json(o) for o in outcomes]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
