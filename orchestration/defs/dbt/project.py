"""The dbt project at the repository root, with its manifest kept current."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.settings import Settings
from orchestration.lib.targets import TARGETS

PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


def _project_files() -> list[Path]:
    files = []
    for name in PROJECT_INPUTS:
        path = PROJECT_DIR / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        files.extend(p for p in paths if p.is_file())
    return sorted(files)


def _newest_input_mtime() -> float:
    return max([0.0, *(path.stat().st_mtime for path in _project_files())])


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv works without being activated."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without the seconds it spends in this process before every
    dbt start on what the pipeline does not use.

    Before each invocation dagster-dbt loads dbt's profile, project and adapter here (for
    `fetch_row_counts` and `fetch_column_metadata`; the dbt assets read row counts and column
    types from the candidate themselves), and once per process it runs `dbt --version` to
    learn which dbt it starts. Measured at a million leads: about 6 s and 2.5 s a run. The dbt
    beside this Python is the dbt-core installed with it. tests/test_definitions.py
    fails if dagster-dbt renames either hook.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_cli(project: DbtProject) -> DbtCli:
    return DbtCli(project_dir=project, dbt_executable=dbt_executable())


@cache
def onefunnel_dbt_project() -> DbtProject:
    """Parse only when a model, macro, seed or config is newer than the manifest, so loading the
    definitions costs a file scan, not a dbt parse, on every start."""
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
    manifest: Path = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime():
        dbt_cli(project).cli(["--quiet", "parse"], target_path=project.target_path).wait()
    return project


def dbt_target_path(settings: Settings) -> Path:
    """Where dbt writes for a run: a folder per warehouse (`Settings.dbt_target`), a subfolder
    per target. The manifest the definitions read stays in the project's own target folder."""
    return settings.dbt_target / settings.target


def build_fingerprint(settings: Settings) -> str:
    """What a warehouse's incremental tables are built from, besides the data: the project's
    files, the dbt version, the target and the settings the models read other than the day
    (`as_of` moves every day; the models handle that themselves)."""
    digest = hashlib.sha256()
    for path in _project_files():
        digest.update(path.relative_to(PROJECT_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    context = [
        importlib.metadata.version("dbt-core"),
        settings.target,
        settings.timezone,
        settings.base_currency,
    ]
    digest.update(json.dumps(context).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildRecord:
    """The last complete build of a dbt step in a warehouse: what it was built from (the
    fingerprint), the day it counted up to, and when it started (UTC, without a zone, as the
    warehouse stores load times: every row loaded before the build was built from)."""

    fingerprint: str
    as_of: date
    started: datetime


def _record_file(settings: Settings, step: str) -> Path:
    return dbt_target_path(settings) / f"{step}.build.json"


def recorded_build(settings: Settings, step: str) -> BuildRecord | None:
    """The last complete build of dbt step `step`. dbt updates an incremental table with the
    model as it is now and keeps the rows it stored before, so rows stored under an older
    model, an older map or another time zone would stay as they were: the step rebuilds in
    full unless this record says its tables were built like this run's."""
    recorded = _record_file(settings, step)
    if not recorded.exists():
        return None
    try:
        fields = json.loads(recorded.read_text(encoding="utf-8"))
        return BuildRecord(
            fields["fingerprint"],
            date.fromisoformat(fields["as_of"]),
            datetime.fromisoformat(fields["started"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def record_build(settings: Settings, step: str, build: BuildRecord) -> None:
    """After the whole of dbt step `step` was built: the state the next run may update."""
    recorded = _record_file(settings, step)
    recorded.parent.mkdir(parents=True, exist_ok=True)
    recorded.write_text(
        json.dumps(
            {
                "fingerprint": build.fingerprint,
                "as_of": build.as_of.isoformat(),
                "started": build.started.isoformat(),
            }
        ),
        encoding="utf-8",
    )


def target_manifest(project: DbtProject, settings: Settings) -> Path:
    """The manifest a run's dbt assets are defined from: the default target's, or the run's
    target's own (`TargetSpec.own_dbt_manifest`), parsed with that target's profile when it is
    missing or older than the project."""
    if not TARGETS[settings.target].own_dbt_manifest:
        return project.manifest_path
    target_path = dbt_target_path(settings)
    manifest = target_path / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime():
        with settings_environment(settings):
            dbt_cli(project).cli(["--quiet", "parse"], target_path=target_path).wait()
    return manifest


@contextmanager
def settings_environment(settings: Settings) -> Iterator[None]:
    """Expose the run's settings to dbt's profile (which reads only the environment)."""
    with environment(settings.environment()):
        yield


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set `values` in this process's environment, which dbt inherits, and restore it after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
