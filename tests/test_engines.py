"""The models on other engines: the comparison helpers, the limits another engine puts on the
project, and (with a PostgreSQL server, `scripts/test-engines.sh postgres`) the whole
landing set of test_marts.py built there and compared with DuckDB. The Spark pieces are tested
here without Spark; the lane itself runs from `scripts/test-engines.sh spark`."""

import os
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from orchestration.lib.engines import compare, postgres, spark
from orchestration.lib.paths import PROJECT_DIR

# PostgreSQL truncates nothing: dbt refuses a relation name over 63 characters, and a dbt
# unit test is built under its own name.
POSTGRES_MAX_IDENTIFIER = 63


def test_unit_test_names_fit_postgres_identifiers():
    too_long = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for unit_test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "unit_tests", []
        ) or []:
            if len(unit_test["name"]) > POSTGRES_MAX_IDENTIFIER:
                too_long.append(f"{path.relative_to(PROJECT_DIR)}: {unit_test['name']}")
    assert too_long == []


def test_compare_rows_ignores_order_and_decimal_scale():
    result = compare.compare_rows(
        "marts",
        "t",
        ["month", "revenue"],
        [(date(2026, 1, 1), D("25.00")), (date(2026, 2, 1), None)],
        ["month", "revenue"],
        [(date(2026, 2, 1), None), (date(2026, 1, 1), D("25.0"))],
    )
    assert result.equal, result.problems
    assert (result.rows, result.other_rows) == (2, 2)


def test_compare_rows_reports_every_difference_without_tolerance():
    result = compare.compare_rows(
        "marts",
        "t",
        ["channel", "revenue"],
        [("email", D("25.00")), ("email", D("25.00")), ("direct", D("1.10"))],
        ["CHANNEL", "REVENUE"],
        [("email", D("25.00")), ("direct", D("1.1000001"))],
    )
    assert not result.equal
    assert result.problems == [
        "only on DuckDB: channel='direct', revenue=Decimal('1.1')",
        "only on DuckDB: channel='email', revenue=Decimal('25')",
        "only on the other: channel='direct', revenue=Decimal('1.1000001')",
    ]


def test_compare_rows_tells_a_number_from_its_text_and_a_date_from_a_timestamp():
    assert not compare.compare_rows("m", "t", ["v"], [(D("1"),)], ["v"], [("1",)]).equal
    assert not compare.compare_rows(
        "m", "t", ["v"], [(date(2026, 1, 1),)], ["v"], [("2026-01-01",)]
    ).equal
    assert compare.compare_rows("m", "t", ["v"], [(1,)], ["v"], [(D("1.00"),)]).equal


def test_compare_rows_reports_different_columns():
    result = compare.compare_rows("m", "t", ["a", "b"], [], ["a", "c"], [])
    assert result.problems == ["columns differ: ['a', 'b'] vs ['a', 'c']"]


def test_postgres_connection_reads_the_profiles_variables():
    settings = postgres.connection_settings({"ONEFUNNEL_PG_PORT": "6543"})
    assert settings["host"] == "127.0.0.1"
    assert settings["port"] == 6543
    assert settings["dbname"] == "onefunnel"
    assert postgres.postgres_type("VARCHAR") == "text"
    with pytest.raises(ValueError, match="STRUCT"):
        postgres.postgres_type("STRUCT(a INTEGER)")


def test_spark_session_opens_the_warehouse_and_metastore_of_the_profile():
    settings = spark.session_settings({"ONEFUNNEL_SPARK_DIR": "/srv/spark"})
    assert settings["spark.sql.warehouse.dir"] == "/srv/spark/warehouse"
    assert settings["spark.hadoop.javax.jdo.option.ConnectionURL"] == (
        "jdbc:derby:;databaseName=/srv/spark/metastore_db;create=true"
    )
    assert settings["spark.sql.session.timeZone"] == "UTC"
    # dbt-spark forces ANSI mode off; the loader and the comparison read the same way
    assert settings["spark.sql.ansi.enabled"] == "false"


class _FakeField:
    def __init__(self, name: str, type_name: str):
        self.name = name
        self.dataType = self
        self._type_name = type_name

    def typeName(self) -> str:
        return self._type_name


class _FakeFrame:
    """The few DataFrame calls spark_fetch makes, recording the select it is given."""

    def __init__(self, fields: list[_FakeField], rows: list[tuple]):
        self.schema = self
        self.fields = fields
        self.columns = [f.name for f in fields]
        self.rows = rows
        self.selected: list[str] = []

    def selectExpr(self, *expressions: str) -> "_FakeFrame":
        self.selected = list(expressions)
        return self

    def collect(self) -> list[tuple]:
        return self.rows


def test_spark_fetch_reads_timestamps_as_naive_utc_and_compares_by_value():
    frame = _FakeFrame(
        [_FakeField("paid_at", "timestamp"), _FakeField("revenue", "decimal")],
        [(datetime(2026, 3, 6, 9, 0), D("660.000000"))],
    )

    class FakeSession:
        def table(self, name: str) -> _FakeFrame:
            assert name == "`marts`.`t`"
            return frame

    columns, rows = compare.spark_fetch(FakeSession())("marts", "t")
    assert frame.selected == ["cast(`paid_at` as timestamp_ntz) as `paid_at`", "`revenue`"]
    result = compare.compare_rows(
        "marts",
        "t",
        ["paid_at", "revenue"],
        [(datetime(2026, 3, 6, 9, 0), D("660.00"))],
        columns,
        rows,
    )
    assert result.equal, result.problems


def test_engine_check_takes_postgres_or_spark(capsys):
    from orchestration.lib.engines.check import main

    with pytest.raises(SystemExit):
        main(["duckdb"])
    error = capsys.readouterr().err
    assert "invalid choice: 'duckdb'" in error
    assert "postgres" in error and "spark" in error


@pytest.mark.slow
@pytest.mark.engines
@pytest.mark.skipif(
    not os.environ.get("ONEFUNNEL_PG_HOST"),
    reason="needs a PostgreSQL server: ONEFUNNEL_PG_HOST (scripts/test-engines.sh postgres)",
)
def test_postgres_builds_the_same_marts_as_duckdb(tmp_path: Path):
    from orchestration.lib.engines.check import check_postgres

    check = check_postgres(work=tmp_path)
    assert check.contract_marts_equal, check.summary()
    assert check.passed, check.summary()
