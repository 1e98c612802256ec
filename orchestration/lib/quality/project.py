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
from orchestration.lib.settings import Settings

GX_ROOT = PROJECT_DIR / "expectations"
GX_DIR = GX_ROOT / "gx"
DATASOURCE = "onefunnel_frames"
BATCH_DEFINITION = "whole_frame"
# great_expectations.yml reads these, so each warehouse keeps its own results and Data Docs.
RESULTS_VARIABLE = "ONEFUNNEL_GX_VALIDATION_RESULTS"
DATA_DOCS_VARIABLE = "ONEFUNNEL_GX_DATA_DOCS"
UNCOMMITTED = GX_DIR / "uncommitted"
# Each suite's results of this many runs, the newest, stay beside the warehouse with their
# Data Docs pages. Every build of the Data Docs index reads every result kept, so an unbounded
# history would make each daily run slower than the one before. What every check of every run
# concluded stays in the warehouse (`audit.check_results`).
VALIDATION_RUNS_KEPT = 14

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def open_context(validation_results: Path, data_docs: Path) -> FileDataContext:
    os.environ[RESULTS_VARIABLE] = str(validation_results.absolute())
    os.environ[DATA_DOCS_VARIABLE] = str(data_docs.absolute())
    return gx.get_context(mode="file", project_root_dir=GX_ROOT)


def _filesystem_store(base_directory: str) -> dict:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": base_directory}


def run_context(settings: Settings):
    """An in-memory context over the committed suites, writing results and Data Docs beside
    the warehouse of `settings`, for the engines whose data sources are made per run (a
    frame's query holds the run's settings): the project's files stay as committed."""
    in_memory = {"class_name": "InMemoryStoreBackend"}
    config = {
        "config_version": 4.0,
        "analytics_enabled": False,
        "progress_bars": {"globally": False},
        "stores": {
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _filesystem_store(str(GX_DIR / "expectations")),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _filesystem_store(str(settings.validation_results.absolute())),
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": in_memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": in_memory,
            },
        },
        "expectations_store_name": "expectations_store",
        "validation_results_store_name": "validation_results_store",
        "checkpoint_store_name": "checkpoint_store",
        "data_docs_sites": {
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": _filesystem_store(str(settings.data_docs.absolute())),
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    }
    return gx.get_context(project_config=config, mode="ephemeral")


def add_checkpoint(context, validation: Validation, batch_definition, wanted_format: dict):
    """A validation definition of the validation's committed suite over `batch_definition`,
    and its checkpoint, in a `run_context`; returns the checkpoint. Data Docs are built once
    for all of a step's results (`build_run_docs`), not by each checkpoint."""
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=validation.name,
            data=batch_definition,
            suite=context.suites.get(validation.name),
        )
    )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=validation.name,
            validation_definitions=[definition],
            result_format=wanted_format,
        )
    )


def build_run_docs(context, checkpoint_results) -> None:
    """Data Docs pages of these results, and the index once: each index build reads every
    result kept beside the warehouse. The results of the same suites older than the newest
    VALIDATION_RUNS_KEPT are removed first, and the index build drops their pages."""
    new_keys = [key for result in checkpoint_results for key in result.run_results]
    prune_validation_results(
        context, {key.expectation_suite_identifier.name for key in new_keys}, VALIDATION_RUNS_KEPT
    )
    context.build_data_docs(resource_identifiers=new_keys)


def prune_validation_results(context, suites: set[str], runs_kept: int) -> None:
    """Remove the results of `suites` older than each suite's newest `runs_kept`."""
    store = context.validation_results_store
    by_suite: dict[str, list] = {}
    for key in store.list_keys():
        suite = key.expectation_suite_identifier.name
        if suite in suites:
            by_suite.setdefault(suite, []).append(key)
    for keys in by_suite.values():
        keys.sort(key=lambda key: key.run_id.run_time, reverse=True)
        for key in keys[runs_kept:]:
            store.remove_key(key)


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
