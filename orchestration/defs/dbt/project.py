"""The dbt project at the repository root, with its manifest kept current."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.settings import Settings
from orchestration.lib.targets import DEFAULT_TARGET, TARGETS

PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


def _newest_input_mtime() -> float:
    newest = 0.0
    for name in PROJECT_INPUTS:
        path = PROJECT_DIR / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    return newest


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv works without being activated."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())


@cache
def onefunnel_dbt_project() -> DbtProject:
    """Parse only when a model, macro, seed or config is newer than the manifest, so loading the
    definitions costs a file scan, not a dbt parse, on every start."""
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
    manifest: Path = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime():
        dbt_cli(project).cli(["--quiet", "parse"], target_path=project.target_path).wait()
    return project


def dbt_target_path(project: DbtProject, settings: Settings) -> Path:
    """Where dbt writes for a run: the default target's manifest is the one the definitions
    read; another target's goes beside it, so building there never replaces it."""
    if settings.target == DEFAULT_TARGET:
        return project.target_path
    return project.target_path / settings.target


def target_manifest(project: DbtProject, settings: Settings) -> Path:
    """The manifest a run's dbt assets are defined from: the default target's, or the run's
    target's own (`TargetSpec.own_dbt_manifest`), parsed with that target's profile when it is
    missing or older than the project."""
    if not TARGETS[settings.target].own_dbt_manifest:
        return project.manifest_path
    target_path = dbt_target_path(project, settings)
    manifest = target_path / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime():
        with settings_environment(settings):
            dbt_cli(project).cli(["--quiet", "parse"], target_path=target_path).wait()
    return manifest


@contextmanager
def settings_environment(settings: Settings) -> Iterator[None]:
    """Expose the run's settings to dbt's profile (which reads only the environment)."""
    saved = {name: os.environ.get(name) for name in settings.environment()}
    os.environ.update(settings.environment())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
