"""Spark as the engine that builds and validates the warehouse (`onefunnel run --target spark`),
published as the DuckDB file BI tools open (SPEC §3).

* Ingestion keeps DuckDB's checks and quarantine as the one definition of a good row: each
  entity is checked into the run's DuckDB candidate as on the default target and written to
  Parquet beside the Spark warehouse with the quarantine and the ingestion log; once a
  source's entities are in, the raw loader (`orchestration.lib.engines.spark --parquet`)
  replaces those tables in Spark's `raw` schema.
* dbt builds the models on Spark (profiles.yml's `spark` output, dbt-spark's `session`
  method) in the Spark warehouse of this warehouse file, `<warehouse>.spark/` (its Parquet
  tables and the Derby metastore). Nobody reads that warehouse but the run, so the schemas
  keep their names; the manifest goes to `<warehouse>.dbt/spark/`.
* Great Expectations validates on Spark: each frame of the catalogue is a Spark SQL query,
  validated as a Spark dataframe (`orchestration.lib.quality.spark`); outcomes come back as
  JSON and are recorded in the DuckDB candidate, as on the other targets.
* Publication, once every blocking check passed: the Spark tables of `marts` and `core` are
  exported to Parquet, replace those schemas in the DuckDB candidate, and the DuckDB target's
  publication renames a fresh file over the published one. Rollback, the run record, the
  Parquet folder of the marts and the alignment report are the DuckDB target's.

Every step that opens the Spark warehouse other than dbt (the loader, the validations, the
export) is a child process that has exited before the next one starts: embedded Derby admits
one process at a time, and dbt's Spark runs in dbt's own process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.lib import publication
from orchestration.lib.engines.spark import write_raw_parquet
from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.publication import PUBLISHED_SCHEMAS, PublicationError
from orchestration.lib.quality.catalog import Validation
from orchestration.lib.quality.runner import Outcome
from orchestration.lib.settings import Settings
from orchestration.lib.targets import INGESTION_TABLES, LandEntity, TargetUnavailable
from orchestration.lib.targets.duckdb import DuckdbTarget

MINIMUM_JAVA = 17
# The last lines of a failed step's output that its error message carries
ERROR_TAIL_CHARACTERS = 3000


class SparkStepError(RuntimeError):
    """A Spark process of the run failed; the message has the end of its output."""


def java_major_version(version_output: str) -> int | None:
    """The major version in `java -version`'s output: `openjdk version "17.0.15" …` → 17,
    `java version "1.8.0_392"` → 8; None when there is none."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def java_executable(environ: Mapping[str, str] | None = None) -> str | None:
    """The `java` Spark starts: JAVA_HOME's when set, as pyspark does, else the PATH's."""
    environ = os.environ if environ is None else environ
    if environ.get("JAVA_HOME"):
        beside = Path(environ["JAVA_HOME"]) / "bin" / "java"
        return str(beside) if beside.exists() else None
    return shutil.which("java", path=environ.get("PATH"))


def java_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why Spark cannot start with this environment's Java, or None when it can."""
    environ = os.environ if environ is None else environ
    java = java_executable(environ)
    needs = f"Spark 4 needs Java {MINIMUM_JAVA} or later"
    install = (
        f"install Java {MINIMUM_JAVA} or later (Debian: openjdk-17-jre-headless) or set JAVA_HOME"
    )
    if java is None:
        where = "JAVA_HOME/bin/java" if environ.get("JAVA_HOME") else "PATH"
        return f"{needs} and there is no java on {where}: {install}"
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{java} -version failed ({exc}): {install}"
    output = done.stderr + done.stdout
    major = java_major_version(output)
    if major is None or major < MINIMUM_JAVA:
        found = output.strip().splitlines()[0] if output.strip() else "no version"
        return f"{needs}; {java} is {found!r}: {install}"
    return None


def run_spark_step(settings: Settings, step: str, arguments: list[str]) -> str:
    """`python ARGUMENTS` as a process of its own on this run's Spark warehouse (its settings
    in the environment, as dbt gets them); its output goes to `<warehouse>.spark/logs/`.
    Returns standard output; raises SparkStepError, with the end of the output, on failure."""
    logs = settings.spark_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{step.replace(' ', '-')}.log"
    done = subprocess.run(
        [sys.executable, *arguments],
        env={**os.environ, **settings.environment()},
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        check=False,
    )
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise SparkStepError(
            f"{step} on Spark failed (exit {done.returncode}; whole output in {log}):\n"
            + done.stderr[-ERROR_TAIL_CHARACTERS:]
        )
    return done.stdout


class SparkTarget(DuckdbTarget):
    """Rollback, the run record and the published location are the DuckDB target's: what
    readers open is a DuckDB file either way."""

    name = "spark"
    writes_report = True

    def prepare(self, settings: Settings) -> None:
        problem = java_problem()
        if problem is not None:
            raise TargetUnavailable(f"target spark: {problem}")
        settings.spark_dir.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def land(self, settings: Settings) -> Iterator[LandEntity]:
        """Each entity (with the quarantine and ingestion log as they stand after it) to
        Parquet as it lands; the source's tables into Spark once all of them are in, by one
        loader process: a JVM start per source rather than per entity."""
        handover = settings.spark_dir / "landing"
        shutil.rmtree(handover, ignore_errors=True)
        handover.mkdir(parents=True)
        sources: dict[str, None] = {}
        try:

            def land_entity(con: duckdb.DuckDBPyConnection, entity) -> None:
                sources[entity.path.split("/")[0]] = None
                for table in (entity.table, *INGESTION_TABLES):
                    write_raw_parquet(con, table, handover)

            yield land_entity
            run_spark_step(
                settings,
                "load raw " + " ".join(sources),
                ["-m", "orchestration.lib.engines.spark", "--parquet", str(handover)],
            )
        finally:
            shutil.rmtree(handover, ignore_errors=True)

    def run_validations(
        self, settings: Settings, validations: tuple[Validation, ...]
    ) -> list[Outcome]:
        from orchestration.lib.quality.spark import read_outcomes

        outcomes = settings.spark_dir / "outcomes.json"
        outcomes.unlink(missing_ok=True)
        run_spark_step(
            settings,
            # one log per check step: named after its one suite, or its suites' area
            "validate " + (validations[0].name if len(validations) == 1 else validations[0].area),
            [
                "-m",
                "orchestration.lib.quality.spark",
                "--out",
                str(outcomes),
                *(v.name for v in validations),
            ],
        )
        try:
            return read_outcomes(outcomes)
        finally:
            outcomes.unlink(missing_ok=True)

    def publish(
        self, settings: Settings, record: publication.PublicationRecord, check_results: list[dict]
    ) -> list[str]:
        export = settings.spark_dir / "export"
        shutil.rmtree(export, ignore_errors=True)
        try:
            arguments = ["-m", "orchestration.lib.engines.spark", "--export", str(export)]
            for schema in PUBLISHED_SCHEMAS:
                arguments += ["--schema", schema]
            try:
                run_spark_step(settings, "export", arguments)
            except SparkStepError as exc:
                raise PublicationError(str(exc)) from exc
            import_exported_schemas(export, settings.candidate)
        finally:
            shutil.rmtree(export, ignore_errors=True)
        return super().publish(settings, record, check_results)


def import_exported_schemas(export: Path, candidate: Path) -> list[str]:
    """Replace the published schemas of the DuckDB candidate with the tables exported from
    Spark (`<export>/<schema>/<table>/*.parquet`), in one transaction; return their names."""
    imported = []
    with duckdb.connect(str(candidate)) as con:
        con.execute("begin")
        for schema in PUBLISHED_SCHEMAS:
            # what an earlier run published stays out of this run's candidate
            con.execute(f'drop schema if exists "{schema}" cascade')
            con.execute(f'create schema "{schema}"')
            folder = export / schema
            for table_folder in sorted(folder.iterdir()) if folder.is_dir() else []:
                files = str(table_folder / "*.parquet").replace("'", "''")
                con.execute(
                    f'create table "{schema}"."{table_folder.name}" as'
                    f" select * from read_parquet('{files}')"
                )
                imported.append(f"{schema}.{table_folder.name}")
        con.execute("commit")
    return imported


TARGET = SparkTarget()
