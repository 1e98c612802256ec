"""The Great Expectations project under `expectations/gx/`, written from the catalogue.

`python -m orchestration.lib.quality.project` rewrites the suites, validation definitions and
checkpoints from `catalog.VALIDATIONS`; a test fails when the files in the repository differ
from what the code declares. Runs only read these files: their validation results and Data
Docs go beside the warehouse they validated (see `open_context`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import great_expectations as gx
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.data_context import FileDataContext

from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.quality.catalog import VALIDATIONS, Validation

GX_ROOT = PROJECT_DIR / "expectations"
GX_DIR = GX_ROOT / "gx"
DATASOURCE = "onefunnel_frames"
BATCH_DEFINITION = "whole_frame"
# great_expectations.yml reads these, so each warehouse keeps its own results and Data Docs.
RESULTS_VARIABLE = "ONEFUNNEL_GX_VALIDATION_RESULTS"
DATA_DOCS_VARIABLE = "ONEFUNNEL_GX_DATA_DOCS"
UNCOMMITTED = GX_DIR / "uncommitted"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def open_context(validation_results: Path, data_docs: Path) -> FileDataContext:
    os.environ[RESULTS_VARIABLE] = str(validation_results.absolute())
    os.environ[DATA_DOCS_VARIABLE] = str(data_docs.absolute())
    return gx.get_context(mode="file", project_root_dir=GX_ROOT)


def ephemeral_context(data_docs: Path):
    """An in-memory GX context whose Data Docs go where the file context's go: for engines
    whose data sources are made per run, leaving the project's files as committed."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    context.update_data_docs_site(
        "local_site",
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs.absolute()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def add_checkpoint(context, validation: Validation, batch_definition, wanted_format: dict):
    """The validation's suite, validation definition and checkpoint (which updates Data Docs)
    in `context`, over `batch_definition`; returns the checkpoint."""
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=validation.name,
            expectations=validation.expectations(),
            meta={"description": validation.description, "guards": guarded(validation)},
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=validation.name, data=batch_definition, suite=suite)
    )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=validation.name,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format=wanted_format,
        )
    )


def result_format(validation: Validation) -> dict:
    return {
        "result_format": "COMPLETE" if validation.split_by else "SUMMARY",
        "unexpected_index_column_names": list(validation.index_columns),
        "partial_unexpected_count": 5,
        "include_unexpected_rows": False,
    }


def expectation_configs(expectations) -> list[dict]:
    """Expectations as comparable data: what they check, without their generated ids."""
    configs = []
    for expectation in expectations:
        config = expectation.configuration.to_json_dict()
        config.pop("id", None)
        configs.append(config)
    return configs


def _write_validation(context: FileDataContext, validation: Validation) -> None:
    # Objects that already say what the code says are left alone: regenerating the project
    # must not churn the ids GX gives them.
    datasource = context.data_sources.get(DATASOURCE)
    try:
        asset = datasource.get_asset(validation.name)
    except LookupError:
        asset = datasource.add_dataframe_asset(validation.name)
    try:
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
    wanted = gx.ExpectationSuite(
        name=validation.name,
        expectations=validation.expectations(),
        meta={"description": validation.description, "guards": guarded(validation)},
    )
    try:
        suite = context.suites.get(validation.name)
        unchanged = (
            expectation_configs(suite.expectations) == expectation_configs(wanted.expectations)
            and {k: suite.meta.get(k) for k in wanted.meta} == wanted.meta
        )
    except Exception:  # noqa: BLE001 — GX raises its own not-found errors
        suite, unchanged = None, False
    if not unchanged:
        if suite is not None:
            context.suites.delete(validation.name)
        suite = context.suites.add(wanted)
    try:
        definition = context.validation_definitions.get(validation.name)
        if unchanged:
            definition.suite = suite
        else:
            raise LookupError(validation.name)
    except Exception:  # noqa: BLE001
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=validation.name, data=batch_definition, suite=suite)
        )
    try:
        checkpoint = context.checkpoints.get(validation.name)
        if checkpoint.result_format == result_format(validation) and unchanged:
            return
    except Exception:  # noqa: BLE001
        pass
    context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=validation.name,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format=result_format(validation),
        )
    )


def guarded(validation: Validation) -> str:
    return "/".join(validation.asset) or f"every landing entity, per {validation.split_by}"


def write_project() -> None:
    """Make the project's suites, definitions and checkpoints exactly the catalogue's."""
    context = open_context(UNCOMMITTED / "validations", UNCOMMITTED / "data_docs")
    if DATASOURCE not in context.data_sources.all():
        context.data_sources.add_pandas(DATASOURCE)
    names = {v.name for v in VALIDATIONS}
    for store in ("expectations", "validation_definitions", "checkpoints"):
        for path in (GX_DIR / store).rglob("*.json"):
            relative = path.relative_to(GX_DIR / store).with_suffix("")
            if ".".join(relative.parts) not in names and relative.name not in names:
                path.unlink()
    for validation in VALIDATIONS:
        _write_validation(context, validation)


def copy_project(destination: Path) -> Path:
    """A copy of the committed project (without run outputs), e.g. to regenerate and compare."""
    shutil.copytree(GX_ROOT, destination, ignore=shutil.ignore_patterns("uncommitted"))
    return destination


if __name__ == "__main__":
    write_project()
    print(f"wrote {len(VALIDATIONS)} suites, validation definitions and checkpoints to {GX_DIR}")
