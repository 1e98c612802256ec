"""The Spark lane: a local Spark session configured like the profile's `spark` target, and the
landed `raw` tables of a DuckDB candidate loaded into it through Parquet.

dbt-spark's `session` method runs Spark inside the dbt process, so the only thing dbt and this
module share is what is on disk: the warehouse directory and the Derby metastore under
`ONEFUNNEL_SPARK_DIR`. Embedded Derby admits one process at a time, which is why loading runs
as a process of its own (`python -m orchestration.lib.engines.spark CANDIDATE`) that has
exited before dbt starts.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb
import jinja2
import yaml

from orchestration.lib.engines.postgres import RAW_SCHEMA, quote_ident, raw_tables
from orchestration.lib.paths import PROJECT_DIR

# The spark target's own setting: dbt-spark sets it on every session it opens.
_DBT_SPARK_SETTINGS = {"spark.sql.ansi.enabled": "false"}


def _env_var(environ: Mapping[str, str]):
    def env_var(name: str, default: str | None = None) -> str:
        if name in environ:
            return environ[name]
        if default is None:
            raise KeyError(f"environment variable {name} is not set")
        return default

    return env_var


def session_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Spark settings of profiles.yml's `spark` target, rendered from `environ` the way
    dbt renders them, so that this module opens the very warehouse and metastore dbt uses."""
    environ = os.environ if environ is None else environ
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profiles["onefunnel"]["outputs"]["spark"]["server_side_parameters"]
    env_var = _env_var(environ)
    settings = {
        str(key): jinja2.Template(str(value)).render(env_var=env_var)
        for key, value in parameters.items()
    }
    return {**settings, **_DBT_SPARK_SETTINGS}


def session(environ: Mapping[str, str] | None = None):
    from pyspark.sql import SparkSession  # the `spark` extra

    builder = SparkSession.builder.appName("onefunnel").enableHiveSupport()
    for key, value in session_settings(environ).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def load_raw(candidate: Path, spark) -> dict[str, int]:
    """Replace Spark's raw schema with the candidate's; return the rows loaded per table.

    DuckDB writes each table to Parquet and Spark copies the files into managed tables of its
    warehouse (its own bulk path), so the scratch files can go. DuckDB's naive timestamps
    arrive as Spark's TIMESTAMP_NTZ and are cast to TIMESTAMP, read in the UTC session zone.
    """
    tables = raw_tables(candidate)
    loaded: dict[str, int] = {}
    spark.sql(f"drop database if exists {RAW_SCHEMA} cascade")
    spark.sql(f"create database {RAW_SCHEMA}")
    with (
        tempfile.TemporaryDirectory(prefix="onefunnel-raw-") as scratch,
        duckdb.connect(str(candidate), read_only=True) as source,
    ):
        for table, columns in tables.items():
            parquet_file = Path(scratch) / f"{table}.parquet"
            parquet_literal = "'" + str(parquet_file).replace("'", "''") + "'"
            source.execute(
                f"copy (select * from {RAW_SCHEMA}.{quote_ident(table)}) to {parquet_literal}"
                " (format parquet)"
            )
            selected = [
                f"cast(`{c}` as timestamp) as `{c}`" if t == "TIMESTAMP" else f"`{c}`"
                for c, t in columns
            ]
            frame = spark.read.parquet(str(parquet_file)).selectExpr(*selected)
            frame.write.format("parquet").saveAsTable(f"{RAW_SCHEMA}.`{table}`")
            loaded[table] = spark.table(f"{RAW_SCHEMA}.`{table}`").count()
    return loaded


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.lib.engines.spark CANDIDATE`: load its raw tables into the
    Spark warehouse under ONEFUNNEL_SPARK_DIR."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.engines.spark")
    parser.add_argument("candidate", type=Path, help="<warehouse>.candidate.duckdb of a run")
    parser.add_argument("--json", action="store_true", help="print {table: rows} as JSON")
    args = parser.parse_args(argv)
    if not args.candidate.exists():
        parser.error(f"no such file: {args.candidate}")
    spark = session()
    try:
        loaded = load_raw(args.candidate, spark)
    finally:
        spark.stop()
    if args.json:
        print(json.dumps(loaded))
    else:
        for table, rows in loaded.items():
            print(f"raw.{table:28} {rows:>9} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
