"""The PostgreSQL lane: a connection from the same environment the dbt profile reads, and the
landed `raw` tables streamed from a DuckDB candidate with COPY.

Ingestion checks every landing row in DuckDB; `onefunnel run --target postgres` hands each
entity's good rows on with `copy_rows` as it lands (orchestration.lib.targets.postgres), and
the cross-engine check copies a finished DuckDB run's raw tables with `load_raw`. Tables keep
their columns as they are (text plus the typed lineage columns), which is what the dbt models
read through `source()`.
"""

from __future__ import annotations

import os
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
        return raw_columns(con)


def raw_columns(
    con: duckdb.DuckDBPyConnection, table: str | None = None
) -> dict[str, list[tuple[str, str]]]:
    """(column, DuckDB type) in order for each raw table, or for `table` only."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_catalog = current_database()"
        " and (? is null or table_name = ?) order by table_name, ordinal_position",
        [RAW_SCHEMA, table, table],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for name, column, data_type in rows:
        tables.setdefault(name, []).append((column, data_type))
    return tables


class CsvLines:
    """A DuckDB result of CSV lines as the file object COPY FROM STDIN reads, a batch at a
    time: rows stream from DuckDB to PostgreSQL without a temporary file or the whole table
    in memory."""

    def __init__(self, result: duckdb.DuckDBPyConnection, batch_rows: int = 10_000) -> None:
        self._result = result
        self._batch_rows = batch_rows
        self._buffer = ""
        self._done = False

    def read(self, size: int = -1) -> str:
        while not self._done and (size < 0 or len(self._buffer) < size):
            batch = self._result.fetchmany(self._batch_rows)
            if not batch:
                self._done = True
                break
            self._buffer += "".join(line + "\n" for (line,) in batch)
        if size < 0:
            size = len(self._buffer)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk


def csv_line(columns: list[str]) -> str:
    """A DuckDB expression rendering a row as one CSV line: every value quoted, NULL as an
    empty unquoted field, which is how PostgreSQL's COPY tells NULL from an empty string."""
    fields = [
        f"coalesce('\"' || replace(cast({quote_ident(c)} as varchar), '\"', '\"\"') || '\"', '')"
        for c in columns
    ]
    return " || ',' || ".join(fields)


def copy_rows(
    source: duckdb.DuckDBPyConnection,
    cursor,
    table: str,
    columns: list[str],
    where: str = "true",
    parameters: list | None = None,
) -> int:
    """COPY the rows of raw `table` (those matching `where`) from DuckDB into PostgreSQL."""
    name = f"{RAW_SCHEMA}.{quote_ident(table)}"
    result = source.execute(
        f"select {csv_line(columns)} from {name} where {where}", parameters or []
    )
    column_list = ", ".join(quote_ident(c) for c in columns)
    cursor.copy_expert(
        f"copy {name} ({column_list}) from stdin with (format csv)", CsvLines(result)
    )
    return cursor.rowcount


def create_raw_table(cursor, table: str, columns: list[tuple[str, str]], replace: bool) -> None:
    name = f"{RAW_SCHEMA}.{quote_ident(table)}"
    if replace:
        # the candidate's staging views read it: dbt builds them again in the same run
        cursor.execute(f"drop table if exists {name} cascade")
    column_list = ", ".join(f"{quote_ident(c)} {postgres_type(t)}" for c, t in columns)
    cursor.execute(f"create table if not exists {name} ({column_list})")


def sync_raw_table(
    source: duckdb.DuckDBPyConnection, cursor, table: str, columns: list[tuple[str, str]]
) -> tuple[str, int]:
    """Make PostgreSQL's raw `table` hold the candidate's rows, copying as few as it can;
    return what was done (`unchanged`, `appended` or `replaced`) and the rows copied.

    Ingestion changes a raw table in two ways only: a reload gives every row a new
    `_loaded_at`, an append adds rows with a newer `_loaded_at` than any before. So when the
    server holds as many rows as the candidate has up to the server's newest `_loaded_at`, it
    holds exactly those, and the rows loaded since are all that is missing. Anything else (a
    reload, other columns, a server restored from elsewhere) copies the whole table.
    """
    name = f"{RAW_SCHEMA}.{quote_ident(table)}"
    names = [c for c, _ in columns]
    cursor.execute(
        "select column_name from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        [RAW_SCHEMA, table],
    )
    if [row[0] for row in cursor.fetchall()] == names:
        count, newest = source.execute(f"select count(*), max(_loaded_at) from {name}").fetchone()
        cursor.execute(f"select count(*), max(_loaded_at) from {name}")
        server_count, server_newest = cursor.fetchone()
        if (server_count, server_newest) == (count, newest):
            return "unchanged", 0
        if server_newest is not None:
            (older,) = source.execute(
                f"select count(*) from {name} where _loaded_at <= ?", [server_newest]
            ).fetchone()
            if older == server_count:
                copied = copy_rows(source, cursor, table, names, "_loaded_at > ?", [server_newest])
                return "appended", copied
    create_raw_table(cursor, table, columns, replace=True)
    return "replaced", copy_rows(source, cursor, table, names)


def load_raw(candidate: Path, pg_connection) -> dict[str, int]:
    """Replace PostgreSQL's raw schema with the candidate's; return the rows copied per table."""
    copied: dict[str, int] = {}
    with (
        duckdb.connect(str(candidate), read_only=True) as source,
        pg_connection.cursor() as cursor,
    ):
        cursor.execute(f"drop schema if exists {RAW_SCHEMA} cascade")
        cursor.execute(f"create schema {RAW_SCHEMA}")
        for table, columns in raw_columns(source).items():
            create_raw_table(cursor, table, columns, replace=True)
            copied[table] = copy_rows(source, cursor, table, [c for c, _ in columns])
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
