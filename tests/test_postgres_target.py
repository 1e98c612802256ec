"""`onefunnel run --target postgres` end to end on a real PostgreSQL server: the hand-worked
landing set of test_marts.py published as the same marts DuckDB publishes, a failed blocking
check that leaves them untouched, the read-only BI role, and rollback.

Runs where `ONEFUNNEL_PG_HOST` names a server whose `ONEFUNNEL_PG_USER` may create databases
and roles: `scripts/test-engines.sh postgres` starts a throwaway one and fails if these skip.
Each module run gets a database and a BI role of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib.engines import compare, postgres
from tests.conftest import add_unconvertible_payment, run_fixture_on

pytestmark = [
    pytest.mark.slow,
    pytest.mark.engines,
    pytest.mark.skipif(
        not os.environ.get("ONEFUNNEL_PG_HOST"),
        reason="needs a PostgreSQL server: ONEFUNNEL_PG_HOST (scripts/test-engines.sh postgres)",
    ),
]


def _admin(dbname: str | None = None):
    environ = dict(os.environ)
    if dbname is not None:
        environ["ONEFUNNEL_PG_DBNAME"] = dbname
    connection = postgres.connect(environ)
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def server():
    """A database and a BI role (that may log in, to be tried) for this module only."""
    name = f"onefunnel_test_{secrets.token_hex(4)}"
    role = f"{name}_bi"
    with closing(_admin()) as admin, admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
        cursor.execute(f"create role {role} login")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONEFUNNEL_PG_DBNAME", name)
        patch.setenv("ONEFUNNEL_PG_BI_ROLE", role)
        patch.delenv("ONEFUNNEL_TARGET", raising=False)
        yield {"dbname": name, "role": role}
    with closing(_admin()) as admin, admin.cursor() as cursor:
        cursor.execute(f"drop database if exists {name} with (force)")
        cursor.execute(f"drop role if exists {role}")


def run_on_postgres(landing: Path, warehouse: Path) -> int:
    return run_fixture_on("postgres", landing, warehouse)


def fetch_all(connection, sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture(scope="module")
def published(server, tmp_path_factory) -> dict:
    from tests.test_marts import landing_set

    base = tmp_path_factory.mktemp("postgres_target")
    landing = landing_set(base / "landing")
    assert run_on_postgres(landing, base / "warehouse.duckdb") == 0
    return {**server, "landing": landing, "base": base}


def published_run_id(connection) -> str:
    return fetch_all(connection, "select run_id from audit.publication")[0][0]


def test_the_marts_equal_the_duckdb_run_value_for_value(published, marts_warehouse):
    tables = compare.duckdb_tables(marts_warehouse, ("marts",))
    assert {t for _, t in tables} >= set(compare.CONTRACT_MARTS)
    with closing(_admin(published["dbname"])) as connection:
        results = compare.compare_tables(
            tables, compare.duckdb_fetch(marts_warehouse), compare.postgres_fetch(connection)
        )
        schemas = {r[0] for r in fetch_all(connection, "select nspname from pg_namespace")}
    assert [r.line() for r in results if not r.equal] == []
    # the candidate's published schemas were swapped in, not copied
    assert {"marts", "core", "audit"} <= schemas
    assert not {"marts_candidate", "core_candidate"} & schemas


def test_the_bi_role_reads_the_marts_and_nothing_else(published):
    environ = {
        **os.environ,
        "ONEFUNNEL_PG_DBNAME": published["dbname"],
        "ONEFUNNEL_PG_USER": published["role"],
    }
    import psycopg2

    with closing(postgres.connect(environ)) as bi:
        bi.autocommit = True
        rows = fetch_all(bi, "select sum(sql_count) from marts.sql_by_handover_monthly")
        assert rows == [(4,)]
        for relation in (
            "raw.crm__leads",
            "staging_candidate.stg_crm__leads",
            "core.fct_leads",
            "audit.publication",
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                fetch_all(bi, f"select count(*) from {relation}")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            fetch_all(bi, "create table marts.mine (x int)")


def test_a_failed_blocking_check_leaves_the_published_marts_untouched(published, capsys):
    landing = published["base"] / "landing-unconvertible"
    shutil.copytree(published["landing"], landing)
    add_unconvertible_payment(landing)
    query = "select * from marts.revenue_by_payment_monthly order by 1, 2, 3"
    with closing(_admin(published["dbname"])) as connection:
        before, run_id = fetch_all(connection, query), published_run_id(connection)
        capsys.readouterr()
        assert run_on_postgres(landing, published["base"] / "warehouse.duckdb") == 1
        assert "revenue_fx_coverage" in capsys.readouterr().out
        assert fetch_all(connection, query) == before
        assert published_run_id(connection) == run_id
        # the failed run's marts stay where it built them, beside the published ones
        candidate = "select count(*) from marts_candidate.revenue_by_payment_monthly"
        assert fetch_all(connection, candidate)[0][0] > 0


def test_rollback_puts_the_previous_publication_back(published):
    warehouse = published["base"] / "warehouse.duckdb"
    with closing(_admin(published["dbname"])) as connection:
        first = published_run_id(connection)
        assert run_on_postgres(published["landing"], warehouse) == 0
        second = published_run_id(connection)
        assert second != first
        assert main(["rollback", "--target", "postgres", "--warehouse", str(warehouse)]) == 0
        assert published_run_id(connection) == first
        assert fetch_all(connection, "select 1 from marts_previous.sql_by_handover_monthly")
    environ = {
        **os.environ,
        "ONEFUNNEL_PG_DBNAME": published["dbname"],
        "ONEFUNNEL_PG_USER": published["role"],
    }
    with closing(postgres.connect(environ)) as bi:
        assert fetch_all(bi, "select count(*) from marts.plan_vs_fact_monthly")[0][0] > 0


def test_raw_tables_are_synced_copying_only_what_changed(server, tmp_path):
    """A daily run copies the day's rows; an unchanged entity copies none; a reload all."""
    candidate = tmp_path / "candidate.duckdb"
    columns = [("lead_id", "VARCHAR"), ("_loaded_at", "TIMESTAMP")]
    table = "sync_probe"

    def load(rows: list[tuple[str, str]], replace: bool = False) -> None:
        with duckdb.connect(str(candidate)) as con:
            con.execute("create schema if not exists raw")
            if replace:
                con.execute(f"drop table if exists raw.{table}")
            con.execute(
                f"create table if not exists raw.{table} (lead_id varchar, _loaded_at timestamp)"
            )
            con.executemany(f"insert into raw.{table} values (?, cast(? as timestamp))", rows)

    def sync() -> tuple[str, int]:
        with (
            duckdb.connect(str(candidate), read_only=True) as source,
            closing(postgres.connect()) as connection,
            connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("create schema if not exists raw")
            return postgres.sync_raw_table(source, cursor, table, columns)

    def rows_on_server() -> list[tuple]:
        with closing(postgres.connect()) as connection:
            return fetch_all(connection, f"select lead_id, _loaded_at from raw.{table} order by 1")

    first = "2026-03-01 06:00:00.123456"
    load([("L1", first), ("L2", first)])
    assert sync() == ("replaced", 2)
    assert sync() == ("unchanged", 0)

    load([("L3", "2026-03-02 06:00:00")])
    assert sync() == ("appended", 1)
    assert [lead for lead, _ in rows_on_server()] == ["L1", "L2", "L3"]

    # a reload gives every row the new load's time: the server's rows are all replaced
    reload = "2026-03-03 06:00:00"
    load([("L1", reload), ("L3", reload)], replace=True)
    assert sync() == ("replaced", 2)
    assert [lead for lead, _ in rows_on_server()] == ["L1", "L3"]
