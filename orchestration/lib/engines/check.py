"""The cross-engine check: one landing set through the DuckDB pipeline, the same raw tables
built by dbt on another engine, every mart compared.

    python -m orchestration.lib.engines postgres|spark [--landing DIR] [--work DIR]

Without `--landing` it runs the hand-computed landing set of tests/test_marts.py (Europe/Moscow,
USD, as of 2026-03-10), so it runs from the repository root. On PostgreSQL the connection comes
from `ONEFUNNEL_PG_*`, as for the profile's `postgres` target; the database's `raw`, `staging`,
`intermediate`, `core`, `marts` and `seeds` schemas are replaced. On Spark a local session
(the profile's `spark` target) keeps its warehouse and metastore in the work directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.lib.engines import compare, postgres, spark
from orchestration.lib.paths import PROJECT_DIR
from orchestration.lib.targets.postgres import ensure_bi_role

FIXTURE_SETTINGS = {"timezone": "Europe/Moscow", "base_currency": "USD", "as_of": "2026-03-10"}
BUILT_SCHEMAS = ("staging", "intermediate", "core", "marts", "seeds")


class EngineCheckError(RuntimeError):
    """A step of the check that failed before anything could be compared."""


@dataclass
class EngineCheck:
    engine: str
    results: list[compare.TableComparison] = field(default_factory=list)
    raw_rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def contract_marts_equal(self) -> bool:
        names = {r.table for r in self.results if r.schema == "marts" and r.equal}
        return all(m in names for m in compare.CONTRACT_MARTS)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.equal for r in self.results)

    def summary(self) -> str:
        lines = [r.line() for r in self.results]
        equal = sum(r.equal for r in self.results)
        marts = [r for r in self.results if r.schema == "marts"]
        lines.append(
            f"{self.engine}: {equal} of {len(self.results)} tables equal to DuckDB"
            f" ({sum(r.equal for r in marts)} of {len(marts)} marts; the five contract marts"
            f" {'equal' if self.contract_marts_equal else 'NOT equal'});"
            f" {sum(self.raw_rows.values())} raw rows in {len(self.raw_rows)} tables"
        )
        lines.append(
            "seconds: " + ", ".join(f"{step} {secs:.1f}" for step, secs in self.seconds.items())
        )
        return "\n".join(lines)


def _timed(check: EngineCheck, step: str, action: Callable[[], object]) -> object:
    started = time.perf_counter()
    try:
        return action()
    finally:
        check.seconds[step] = time.perf_counter() - started


def _executable(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def run_duckdb(landing: Path, work: Path, settings: dict[str, str]) -> Path:
    """The normal pipeline (`onefunnel run`) on DuckDB; returns the candidate it built."""
    warehouse = work / "warehouse.duckdb"
    environ = {k: v for k, v in os.environ.items() if k != "ONEFUNNEL_TARGET"}
    command = [
        _executable("onefunnel"),
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--timezone",
        settings["timezone"],
        "--base-currency",
        settings["base_currency"],
        "--as-of",
        settings["as_of"],
    ]
    done = subprocess.run(command, env=environ, capture_output=True, text=True)
    (work / "duckdb-run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise EngineCheckError(
            f"onefunnel run on DuckDB failed ({done.returncode}); see {work / 'duckdb-run.log'}\n"
            + (done.stdout + done.stderr)[-3000:]
        )
    return warehouse.with_name("warehouse.candidate.duckdb")


def run_dbt(
    target: str, settings: dict[str, str], work: Path, environ: Mapping[str, str] | None = None
) -> None:
    """`dbt seed` then `dbt build` on `target`, into a target path of its own so that the
    DuckDB manifest the Dagster definitions read stays as it is."""
    environ = {**(os.environ if environ is None else environ), "ONEFUNNEL_TARGET": target}
    common = [
        "--profiles-dir",
        str(PROJECT_DIR),
        "--project-dir",
        str(PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(PROJECT_DIR / "target" / target),
        "--vars",
        json.dumps(settings),
    ]
    for command in ("seed", "build"):
        done = subprocess.run(
            [_executable("dbt"), "--no-use-colors", "--log-path", str(work / "logs"), command]
            + common,
            env=environ,
            capture_output=True,
            text=True,
            cwd=PROJECT_DIR,
        )
        log = work / f"dbt-{command}-{target}.log"
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0:
            failures = [
                line
                for line in done.stdout.splitlines()
                if " ERROR " in line or "FAIL " in line or "Error" in line
            ]
            raise EngineCheckError(
                f"dbt {command} --target {target} failed; see {log}\n"
                + "\n".join(failures[-40:] or done.stdout.splitlines()[-40:])
            )


@contextmanager
def _reference_run(
    engine: str, landing: Path | None, settings: dict[str, str], work: Path | None
) -> Iterator[tuple[EngineCheck, Path, Path]]:
    """The landing set (the fixture unless given) through the DuckDB pipeline, in a work
    directory (a temporary one unless given): the check to fill, the work dir, the candidate."""
    with tempfile.TemporaryDirectory(prefix="onefunnel-engines-") as scratch:
        work = Path(work or scratch)
        work.mkdir(parents=True, exist_ok=True)
        if landing is None:
            from tests.test_marts import landing_set  # the hand-computed fixture

            landing = landing_set(work / "landing")
        check = EngineCheck(engine)
        candidate = _timed(check, "duckdb pipeline", lambda: run_duckdb(landing, work, settings))
        yield check, work, candidate


def _compare(
    check: EngineCheck, candidate: Path, schemas: tuple[str, ...], other: compare.Fetch
) -> None:
    """Every table of `schemas` in the DuckDB candidate against the other engine's."""
    tables = compare.duckdb_tables(candidate, schemas)
    check.results = _timed(
        check,
        "compare",
        lambda: compare.compare_tables(tables, compare.duckdb_fetch(candidate), other),
    )


def check_postgres(
    landing: Path | None = None,
    settings: dict[str, str] | None = None,
    work: Path | None = None,
    schemas: tuple[str, ...] = compare.COMPARED_SCHEMAS,
) -> EngineCheck:
    settings = dict(settings or FIXTURE_SETTINGS)
    with _reference_run("postgres", landing, settings, work) as (check, work, candidate):
        connection = postgres.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for schema in BUILT_SCHEMAS:
                    cursor.execute(f"drop schema if exists {schema} cascade")
                ensure_bi_role(cursor)
            connection.autocommit = False
            check.raw_rows = _timed(
                check, "copy raw", lambda: postgres.load_raw(candidate, connection)
            )
            _timed(check, "dbt seed+build postgres", lambda: run_dbt("postgres", settings, work))
            connection.autocommit = True
            _compare(check, candidate, schemas, compare.postgres_fetch(connection))
        finally:
            connection.close()
        return check


def check_spark(
    landing: Path | None = None,
    settings: dict[str, str] | None = None,
    work: Path | None = None,
    schemas: tuple[str, ...] = compare.COMPARED_SCHEMAS,
) -> EngineCheck:
    """As check_postgres, on a local Spark whose warehouse and metastore are created afresh
    in the work directory. Three processes open them in turn (the raw loader, dbt, then this
    one to compare), never two at once: embedded Derby admits one."""
    settings = dict(settings or FIXTURE_SETTINGS)
    with _reference_run("spark", landing, settings, work) as (check, work, candidate):
        spark_dir = work / "spark"
        shutil.rmtree(spark_dir, ignore_errors=True)
        spark_dir.mkdir()
        environ = {**os.environ, "ONEFUNNEL_SPARK_DIR": str(spark_dir)}
        check.raw_rows = _timed(
            check, "load raw", lambda: _load_spark_raw(candidate, work, environ)
        )
        _timed(check, "dbt seed+build spark", lambda: run_dbt("spark", settings, work, environ))
        session = spark.session(environ)
        try:
            _compare(check, candidate, schemas, compare.spark_fetch(session))
        finally:
            session.stop()
        return check


def _load_spark_raw(candidate: Path, work: Path, environ: Mapping[str, str]) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.lib.engines.spark", "--json", str(candidate)],
        env=dict(environ),
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
    )
    log = work / "spark-load-raw.log"
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise EngineCheckError(
            f"loading the raw tables into Spark failed; see {log}\n" + done.stderr[-3000:]
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


CHECKS = {"postgres": check_postgres, "spark": check_spark}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.engines")
    parser.add_argument("engine", choices=sorted(CHECKS))
    parser.add_argument("--landing", type=Path, help="a landing directory (default: the fixture)")
    parser.add_argument("--timezone", default=None)
    parser.add_argument("--base-currency", default=None)
    parser.add_argument("--as-of", default=None, help="YYYY-MM-DD")
    parser.add_argument("--work", type=Path, help="keep the DuckDB run and the logs here")
    args = parser.parse_args(argv)
    settings = dict(FIXTURE_SETTINGS)
    if args.landing is not None:
        settings = {"timezone": "UTC", "base_currency": "USD", "as_of": date.today().isoformat()}
    for name in ("timezone", "base_currency", "as_of"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    try:
        check = CHECKS[args.engine](args.landing, settings, args.work)
    except EngineCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(check.summary())
    return 0 if check.passed else 1
