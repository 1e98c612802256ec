"""The PostgreSQL lane: a connection from the same environment the dbt profile reads, and the
landed `raw` tables copied from a DuckDB candidate with COPY.

Ingestion writes DuckDB only; until it writes PostgreSQL itself, the raw tables of a DuckDB
run are copied over as they are (text columns plus the typed lineage columns), which is what
the dbt models read through `source()`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

RAW_SCHEMA = "raw"

# DuckDB column types of the raw tables and their PostgreSQL spelling; text is the rule.
_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def connection_settings(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """psycopg2 keyword arguments from `ONEFUNNEL_PG_*`, with the profile's defaults."""
    environ = os.environ if environ is None else environ
    return {
        "host": environ.get("ONEFUNNEL_PG_HOST", "127.0.0.1"),
        "port": int(environ.get("ONEFUNNEL_PG_PORT", "5432")),
        "user": environ.get("ONEFUNNEL_PG_USER", "postgres"),
        "password": environ.get("ONEFUNNEL_PG_PASSWORD", ""),
        "dbname": environ.get("ONEFUNNEL_PG_DBNAME", "onefunnel"),
        "connect_timeout": 10,
    }


def connect(environ: Mapping[str, str] | None = None):
    import psycopg2  # dbt-postgres brings it: the `postgres` extra

    return psycopg2.connect(**connection_settings(environ))


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_type(duckdb_type: str) -> str:
    try:
        return _POSTGRES_TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL type for the raw column type {duckdb_type}") from None


def raw_tables(candidate: Path) -> dict[str, list[tuple[str, str]]]:
    """Each table of the candidate's raw schema with its (column, DuckDB type) in order."""
    with duckdb.connect(str(candidate), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = ? order by table_name, ordinal_position",
            [RAW_SCHEMA],
        ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def load_raw(candidate: Path, pg_connection) -> dict[str, int]:
    """Replace PostgreSQL's raw schema with the candidate's; return the rows copied per table.

    Each table goes through a CSV file: DuckDB writes NULL as an empty unquoted field and an
    empty string as `""`, which is exactly how PostgreSQL's COPY tells the two apart.
    """
    tables = raw_tables(candidate)
    copied: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="onefunnel-raw-") as scratch,
        duckdb.connect(str(candidate), read_only=True) as source,
        pg_connection.cursor() as cursor,
    ):
        cursor.execute(f"drop schema if exists {RAW_SCHEMA} cascade")
        cursor.execute(f"create schema {RAW_SCHEMA}")
        for table, columns in tables.items():
            name = f"{RAW_SCHEMA}.{quote_ident(table)}"
            column_list = ", ".join(f"{quote_ident(c)} {postgres_type(t)}" for c, t in columns)
            cursor.execute(f"create table {name} ({column_list})")
            csv_file = Path(scratch) / f"{table}.csv"
            csv_literal = "'" + str(csv_file).replace("'", "''") + "'"
            source.execute(
                f"copy (select * from {RAW_SCHEMA}.{quote_ident(table)}) to {csv_literal}"
                " (header, force_quote *)"
            )
            with csv_file.open("r", encoding="utf-8") as f:
                cursor.copy_expert(f"copy {name} from stdin with (format csv, header true)", f)
            copied[table] = cursor.rowcount
    pg_connection.commit()
    return copied


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.lib.engines.postgres CANDIDATE`: copy its raw tables over."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.engines.postgres")
    parser.add_argument("candidate", type=Path, help="<warehouse>.candidate.duckdb of a run")
    args = parser.parse_args(argv)
    if not args.candidate.exists():
        parser.error(f"no such file: {args.candidate}")
    connection = connect()
    try:
        copied = load_raw(args.candidate, connection)
    finally:
        connection.close()
    for table, rows in copied.items():
        print(f"raw.{table:28} {rows:>9} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
