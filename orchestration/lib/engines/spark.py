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


def naive_utc_columns(frame) -> list[str]:
    """Select expressions for `frame` with each TIMESTAMP as TIMESTAMP_NTZ. A Spark TIMESTAMP
    is an instant, which collect() turns into the Python process's local time and Parquet
    into an instant; as TIMESTAMP_NTZ in the UTC session zone it is the naive UTC value
    DuckDB holds."""
    return [
        f"cast(`{f.name}` as timestamp_ntz) as `{f.name}`"
        if f.dataType.typeName() == "timestamp"
        else f"`{f.name}`"
        for f in frame.schema.fields
    ]


def write_raw_parquet(source: duckdb.DuckDBPyConnection, table: str, folder: Path) -> Path:
    """DuckDB's raw `table` as `<folder>/<table>.parquet`, the file Spark loads it from."""
    parquet_file = folder / f"{table}.parquet"
    parquet_literal = "'" + str(parquet_file).replace("'", "''") + "'"
    source.execute(
        f"copy (select * from {RAW_SCHEMA}.{quote_ident(table)}) to {parquet_literal}"
        " (format parquet)"
    )
    return parquet_file


def load_parquet(folder: Path, spark) -> dict[str, int]:
    """Each `<table>.parquet` of `folder` as the managed table `raw.<table>`, replacing the
    table of that name (Spark copies the files into its warehouse, so the folder can go);
    return the rows loaded per table.

    DuckDB's naive timestamps arrive as Spark's TIMESTAMP_NTZ and are cast to TIMESTAMP,
    read in the UTC session zone: the type the models expect of a landed instant.
    """
    loaded: dict[str, int] = {}
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for parquet_file in sorted(folder.glob("*.parquet")):
        table = parquet_file.stem
        frame = spark.read.parquet(str(parquet_file))
        selected = [
            f"cast(`{f.name}` as timestamp) as `{f.name}`"
            if f.dataType.typeName() == "timestamp_ntz"
            else f"`{f.name}`"
            for f in frame.schema.fields
        ]
        spark.sql(f"drop table if exists {RAW_SCHEMA}.`{table}`")
        frame.selectExpr(*selected).write.format("parquet").saveAsTable(f"{RAW_SCHEMA}.`{table}`")
        loaded[table] = spark.table(f"{RAW_SCHEMA}.`{table}`").count()
    return loaded


def load_raw(candidate: Path, spark) -> dict[str, int]:
    """Replace Spark's raw schema with the candidate's; return the rows loaded per table.

    DuckDB writes each table to Parquet and Spark copies the files into managed tables of its
    warehouse (its own bulk path), so the scratch files can go.
    """
    spark.sql(f"drop database if exists {RAW_SCHEMA} cascade")
    with (
        tempfile.TemporaryDirectory(prefix="onefunnel-raw-") as scratch,
        duckdb.connect(str(candidate), read_only=True) as source,
    ):
        for table in raw_tables(candidate):
            write_raw_parquet(source, table, Path(scratch))
        return load_parquet(Path(scratch), spark)


def export_schemas(spark, schemas: tuple[str, ...], folder: Path) -> dict[str, int]:
    """Every table of `schemas` as Parquet files under `<folder>/<schema>/<table>/`, for
    DuckDB to read, timestamps as naive UTC (`naive_utc_columns`) like the DuckDB target's
    tables; return the rows written per `schema.table`."""
    written: dict[str, int] = {}
    for schema in schemas:
        for table in sorted(t.name for t in spark.catalog.listTables(schema) if not t.isTemporary):
            frame = spark.table(f"`{schema}`.`{table}`")
            # one file a table: the tables a run publishes are small next to its raw data
            frame.selectExpr(*naive_utc_columns(frame)).coalesce(1).write.mode("overwrite").parquet(
                str(folder / schema / table)
            )
            written[f"{schema}.{table}"] = frame.count()
    return written


def main(argv: list[str] | None = None) -> int:
    """One step on the Spark warehouse under ONEFUNNEL_SPARK_DIR (the one dbt's `spark` target
    uses), as a process of its own, the metastore's only user while it runs:

    python -m orchestration.lib.engines.spark CANDIDATE
        replace Spark's raw schema with the raw tables of a run's DuckDB candidate;
    python -m orchestration.lib.engines.spark --parquet DIR
        replace the raw tables DIR holds as `<table>.parquet` (the spark target's ingestion);
    python -m orchestration.lib.engines.spark --export DIR --schema marts --schema core
        write every table of those schemas to Parquet under DIR (the spark target's publication).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.engines.spark")
    parser.add_argument(
        "candidate", type=Path, nargs="?", help="<warehouse>.candidate.duckdb of a run"
    )
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--parquet", type=Path, metavar="DIR", help="load DIR/<table>.parquet")
    step.add_argument("--export", type=Path, metavar="DIR", help="write tables to DIR")
    parser.add_argument(
        "--schema", action="append", default=[], help="a schema to export (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print {table: rows} as JSON")
    args = parser.parse_args(argv)
    if (args.candidate is None) == (args.parquet is None and args.export is None):
        parser.error("give one of CANDIDATE, --parquet DIR and --export DIR")
    if args.export is not None and not args.schema:
        parser.error("--export needs at least one --schema")
    if args.candidate is not None and not args.candidate.exists():
        parser.error(f"no such file: {args.candidate}")
    if args.parquet is not None and not args.parquet.is_dir():
        parser.error(f"no such folder: {args.parquet}")
    spark = session()
    try:
        if args.export is not None:
            counted = export_schemas(spark, tuple(args.schema), args.export)
        else:
            loaded = (
                load_parquet(args.parquet, spark)
                if args.parquet is not None
                else load_raw(args.candidate, spark)
            )
            counted = {f"{RAW_SCHEMA}.{table}": rows for table, rows in loaded.items()}
    finally:
        spark.stop()
    if args.json:
        print(json.dumps(counted))
    else:
        for name, rows in counted.items():
            print(f"{name:32} {rows:>9} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
