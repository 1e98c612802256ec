"""PostgreSQL as the warehouse readers query (`onefunnel run --target postgres`).

* Ingestion keeps DuckDB's checks and quarantine as the one definition of a good row: each
  entity is checked into the run's DuckDB candidate as on the default target, then its good
  rows, quarantine rows and log line are streamed into PostgreSQL's `raw` schema with COPY:
  only the rows loaded since the server's newest when the rest is as the candidate has it
  (a daily run copies one day), none for an entity ingestion left unchanged.
* dbt builds every schema with the suffix `_candidate` (`marts_candidate`, `core_candidate`,
  …): readers of `marts` see nothing of a run until it is published.
* Great Expectations validates through its SQL engine on the server: each frame of the
  catalogue is a query asset, and only results and offending rows travel back.
* Publication swaps `marts`, `core` and `audit` with their candidates in one transaction,
  keeping the replaced set as `<schema>_previous` for `onefunnel rollback --target postgres`.
  Table grants (dbt `grants`: SELECT on the marts for `ONEFUNNEL_PG_BI_ROLE`) and the schema's
  USAGE move with the renamed schemas.

The connection comes from `ONEFUNNEL_PG_*`, as for dbt's profile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing, contextmanager

from orchestration.lib.engines import postgres as pg
from orchestration.lib.publication import (
    CHECK_RESULT_COLUMNS,
    PUBLICATION_DDL,
    PUBLISHED_SCHEMAS,
    PublicationError,
    PublicationRecord,
    check_results_ddl,
    publication_row,
)
from orchestration.lib.quality.catalog import Validation
from orchestration.lib.quality.runner import Outcome
from orchestration.lib.quality.sql import run_sql_validations
from orchestration.lib.settings import Settings
from orchestration.lib.targets import INGESTION_TABLES, LandEntity, TargetUnavailable

BI_ROLE_VARIABLE = "ONEFUNNEL_PG_BI_ROLE"
DEFAULT_BI_ROLE = "onefunnel_bi"
AUDIT_SCHEMA = "audit"
# what publication swaps in: the published schemas and the record of what they passed
SWAPPED_SCHEMAS = (*PUBLISHED_SCHEMAS, AUDIT_SCHEMA)
PREVIOUS_SUFFIX = "_previous"


def bi_role(environ=None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(BI_ROLE_VARIABLE) or DEFAULT_BI_ROLE


def describe_server(environ=None) -> str:
    c = pg.connection_settings(environ)
    return f"PostgreSQL {c['user']}@{c['host']}:{c['port']}/{c['dbname']}"


def _connect():
    import psycopg2

    try:
        return pg.connect()
    except psycopg2.OperationalError as exc:
        raise TargetUnavailable(
            f"target postgres: cannot connect to {describe_server()} (ONEFUNNEL_PG_HOST, "
            f"ONEFUNNEL_PG_PORT, ONEFUNNEL_PG_USER, ONEFUNNEL_PG_PASSWORD, "
            f"ONEFUNNEL_PG_DBNAME): {str(exc).strip()}"
        ) from exc


def ensure_bi_role(cursor) -> None:
    """The marts' dbt grants name the BI role: without it no mart builds."""
    cursor.execute("select 1 from pg_roles where rolname = %s", [bi_role()])
    if cursor.fetchone() is None:
        cursor.execute(f"create role {pg.quote_ident(bi_role())} nologin")


def _schema_exists(cursor, schema: str) -> bool:
    cursor.execute("select 1 from pg_namespace where nspname = %s", [schema])
    return cursor.fetchone() is not None


class PostgresTarget:
    name = "postgres"
    # the report reads the published DuckDB file; on PostgreSQL BI tools query `marts`
    writes_report = False

    def prepare(self, settings: Settings) -> None:
        """Reach the server; make sure `raw` and the BI role the marts' grants name exist."""
        import psycopg2

        with closing(_connect()) as connection, connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {pg.RAW_SCHEMA}")
            try:
                ensure_bi_role(cursor)
            except psycopg2.Error as exc:
                raise TargetUnavailable(
                    f"target postgres: the BI role {bi_role()} ({BI_ROLE_VARIABLE}) does not "
                    f"exist and cannot be created: {str(exc).strip()}"
                ) from exc

    @contextmanager
    def land(self, settings: Settings) -> Iterator[LandEntity]:
        with closing(_connect()) as connection:

            def land_entity(con, entity) -> str:
                with connection, connection.cursor() as cursor:
                    cursor.execute(f"create schema if not exists {pg.RAW_SCHEMA}")
                    (columns,) = pg.raw_columns(con, entity.table).values()
                    done, copied = pg.sync_raw_table(con, cursor, entity.table, columns)
                    for table in INGESTION_TABLES:
                        columns = pg.raw_columns(con, table)[table]
                        pg.create_raw_table(cursor, table, columns, replace=False)
                        cursor.execute(
                            f"delete from {pg.RAW_SCHEMA}.{table} where entity = %s",
                            [entity.path],
                        )
                        pg.copy_rows(
                            con, cursor, table, [c for c, _ in columns], "entity = ?", [entity.path]
                        )
                return f"{describe_server()} raw.{entity.table}: {done}, {copied} row(s) copied"

            yield land_entity

    def run_validations(
        self, settings: Settings, validations: tuple[Validation, ...]
    ) -> list[Outcome]:
        return run_sql_validations(settings, validations, _sqlalchemy_url())

    def publish(
        self, settings: Settings, record: PublicationRecord, check_results: list[dict]
    ) -> list[str]:
        with closing(_connect()) as connection, connection, connection.cursor() as cursor:
            for schema in PUBLISHED_SCHEMAS:
                if not _schema_exists(cursor, settings.candidate_schema(schema)):
                    raise PublicationError(
                        f"no candidate schema {settings.candidate_schema(schema)} on "
                        f"{describe_server()}: run the pipeline first"
                    )
            cursor.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
                " where table_schema = any(%s) order by table_schema, table_name",
                [[settings.candidate_schema(s) for s in PUBLISHED_SCHEMAS]],
            )
            candidate_tables = cursor.fetchall()
            suffix = len(settings.candidate_schema(""))
            tables = [f"{schema[:-suffix]}.{table}" for schema, table, _ in candidate_tables]
            if not any(name.startswith("marts.") for name in tables):
                raise PublicationError("the candidate holds no marts")
            for schema, table, table_type in candidate_tables:
                if table_type != "BASE TABLE":
                    raise PublicationError(
                        f"{schema}.{table} is a {table_type.lower()}: published relations must "
                        "be tables"
                    )
            _write_audit(cursor, settings.candidate_schema(AUDIT_SCHEMA), record, tables)
            _write_check_results(cursor, settings.candidate_schema(AUDIT_SCHEMA), check_results)
            for schema in SWAPPED_SCHEMAS:
                previous = pg.quote_ident(schema + PREVIOUS_SUFFIX)
                cursor.execute(f"drop schema if exists {previous} cascade")
                if _schema_exists(cursor, schema):
                    cursor.execute(f"alter schema {pg.quote_ident(schema)} rename to {previous}")
                cursor.execute(
                    f"alter schema {pg.quote_ident(settings.candidate_schema(schema))}"
                    f" rename to {pg.quote_ident(schema)}"
                )
            # dbt grants SELECT on each mart; reaching them needs USAGE on the schema itself
            cursor.execute(f"grant usage on schema marts to {pg.quote_ident(bi_role())}")
        return tables

    def rollback(self, settings: Settings) -> None:
        with closing(_connect()) as connection, connection, connection.cursor() as cursor:
            for schema in SWAPPED_SCHEMAS:
                if not _schema_exists(cursor, schema + PREVIOUS_SUFFIX):
                    raise PublicationError(
                        f"nothing to roll back to: no schema {schema}{PREVIOUS_SUFFIX} on "
                        f"{describe_server()}"
                    )
            for schema in SWAPPED_SCHEMAS:
                current, previous = schema, schema + PREVIOUS_SUFFIX
                aside = pg.quote_ident(schema + "_rolling_back")
                cursor.execute(f"alter schema {pg.quote_ident(current)} rename to {aside}")
                cursor.execute(
                    f"alter schema {pg.quote_ident(previous)} rename to {pg.quote_ident(current)}"
                )
                cursor.execute(f"alter schema {aside} rename to {pg.quote_ident(previous)}")

    def read_publication(self, settings: Settings) -> dict | None:
        with closing(_connect()) as connection, connection.cursor() as cursor:
            if not _schema_exists(cursor, AUDIT_SCHEMA):
                return None
            cursor.execute(
                "select run_id, published_at, as_of, timezone, base_currency, landing"
                f" from {AUDIT_SCHEMA}.publication"
            )
            row = cursor.fetchone()
        keys = ("run_id", "published_at", "as_of", "timezone", "base_currency", "landing")
        return dict(zip(keys, row, strict=True)) if row else None

    def published_location(self, settings: Settings) -> str:
        return f"{describe_server()}, schemas {', '.join(PUBLISHED_SCHEMAS)}"

    def previous_location(self, settings: Settings) -> str:
        previous = ", ".join(s + PREVIOUS_SUFFIX for s in SWAPPED_SCHEMAS)
        return f"{describe_server()}, schemas {previous}"


def _in_schema(ddl: str, schema: str) -> str:
    """The DuckDB target's `audit.` DDL for the schema the candidate's audit is built in."""
    return ddl.replace(f"{AUDIT_SCHEMA}.", f"{pg.quote_ident(schema)}.", 1)


def _write_audit(cursor, schema: str, record: PublicationRecord, tables: list[str]) -> None:
    cursor.execute(f"drop schema if exists {pg.quote_ident(schema)} cascade")
    cursor.execute(f"create schema {pg.quote_ident(schema)}")
    cursor.execute(_in_schema(PUBLICATION_DDL, schema))
    cursor.execute(
        f"insert into {pg.quote_ident(schema)}.publication values (%s, %s, %s, %s, %s, %s, %s)",
        publication_row(record, tables),
    )


def _write_check_results(cursor, schema: str, results: list[dict]) -> None:
    cursor.execute(check_results_ddl().replace(f"{AUDIT_SCHEMA}.", f"{pg.quote_ident(schema)}.", 1))
    names = [name for name, _ in CHECK_RESULT_COLUMNS]
    cursor.executemany(
        f"insert into {pg.quote_ident(schema)}.check_results values"
        f" ({', '.join('%s' for _ in names)})",
        [[r[name] for name in names] for r in results],
    )


def _sqlalchemy_url() -> str:
    from sqlalchemy.engine import URL

    c = pg.connection_settings()
    url = URL.create(
        "postgresql+psycopg2",
        username=c["user"],
        password=c["password"] or None,
        host=c["host"],
        port=c["port"],
        database=c["dbname"],
    )
    return url.render_as_string(hide_password=False)


TARGET = PostgresTarget()
