"""The target setting and the registry of targets: what each run is told, and how an
unknown or uninstallable target is refused."""

import json
from datetime import date

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib import targets
from orchestration.lib.quality.catalog import VALIDATIONS
from orchestration.lib.settings import Settings, SettingsError


def test_the_target_comes_from_the_flag_the_environment_or_the_default():
    assert Settings.resolve(environ={}).target == "duckdb"
    assert Settings.resolve(environ={"ONEFUNNEL_TARGET": " Postgres "}).target == "postgres"
    flagged = Settings.resolve(environ={"ONEFUNNEL_TARGET": "postgres"}, target="duckdb")
    assert flagged.target == "duckdb"


def test_an_unknown_target_is_named_with_the_known_ones():
    with pytest.raises(SettingsError, match=r"target: unknown target 'oracle' \(one of duckdb"):
        Settings(target="oracle")


def test_the_cli_refuses_an_unknown_target_before_running(tmp_path, capsys):
    status = main(["run", "--target", "oracle", "--warehouse", str(tmp_path / "wh.duckdb")])
    assert status == 2
    assert "unknown target 'oracle'" in capsys.readouterr().err
    assert not (tmp_path / "wh.candidate.duckdb").exists()


def test_a_target_whose_extra_is_missing_says_what_to_install(monkeypatch):
    spec = targets.TargetSpec("imaginary", "no.such.module", ("no_such_adapter",), "imaginary")
    monkeypatch.setitem(targets.TARGETS, "imaginary", spec)
    with pytest.raises(targets.TargetUnavailable, match=r"pip install 'onefunnel\[imaginary\]'"):
        targets.load_target("imaginary")


def test_candidate_schemas_are_suffixed_only_on_a_shared_database():
    duckdb, postgres = Settings(), Settings(target="postgres")
    assert duckdb.candidate_schema("marts") == "marts"
    assert postgres.candidate_schema("marts") == "marts_candidate"
    assert postgres.candidate_schema("raw") == "raw"
    assert duckdb.environment()["ONEFUNNEL_SCHEMA_SUFFIX"] == ""
    assert postgres.environment()["ONEFUNNEL_SCHEMA_SUFFIX"] == "_candidate"
    assert postgres.environment()["ONEFUNNEL_TARGET"] == "postgres"


def test_validation_frames_read_this_runs_schemas():
    for validation in VALIDATIONS:
        on_duckdb = validation.frame_sql(Settings())
        on_postgres = validation.frame_sql(Settings(target="postgres"))
        assert "_candidate." not in on_duckdb, validation.name
        if validation.name != "sources.ingestion":  # raw.ingestion_log: ingestion's own
            assert "_candidate." in on_postgres, validation.name
        for schema in ("staging", "core", "marts", "seeds"):
            assert f" {schema}." not in on_postgres, (validation.name, schema)


def test_spark_is_a_target_needing_its_extra(monkeypatch):
    spec = targets.target_spec("spark")
    assert spec.extra == "spark"
    assert set(spec.requires) == {"dbt.adapters.spark", "pyspark"}
    monkeypatch.setattr(targets, "_importable", lambda module: module != "pyspark")
    with pytest.raises(
        targets.TargetUnavailable,
        match=r"target spark needs pyspark: pip install 'onefunnel\[spark\]'",
    ):
        targets.load_target("spark")


def test_the_spark_target_keeps_its_warehouse_beside_the_warehouse_file(tmp_path):
    spark = Settings(target="spark", warehouse=tmp_path / "wh.duckdb")
    # nobody reads the run's Spark warehouse: the schemas keep their names there
    assert spark.candidate_schema("marts") == "marts"
    assert spark.environment()["ONEFUNNEL_SCHEMA_SUFFIX"] == ""
    assert spark.environment()["ONEFUNNEL_TARGET"] == "spark"
    assert spark.environment()["ONEFUNNEL_SPARK_DIR"] == str(tmp_path / "wh.spark")
    assert "ONEFUNNEL_SPARK_DIR" not in Settings(warehouse=tmp_path / "wh.duckdb").environment()


def test_java_versions_are_read_from_java_version():
    from orchestration.lib.targets.spark import java_major_version

    assert java_major_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert java_major_version('openjdk version "21" 2023-09-19') == 21
    assert java_major_version('java version "1.8.0_392"') == 8
    assert java_major_version("no java here") is None


def _fake_java(home, version: str):
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2021-01-19' >&2\n")
    java.chmod(0o755)
    return home


def test_the_spark_target_refuses_to_start_without_java_17(tmp_path, monkeypatch, capsys):
    from orchestration.lib.targets.spark import TARGET, java_problem

    old = _fake_java(tmp_path / "jdk11", "11.0.10")
    assert "needs Java 17 or later" in java_problem({"JAVA_HOME": str(old)})
    assert "11.0.10" in java_problem({"JAVA_HOME": str(old)})
    assert java_problem({"JAVA_HOME": str(_fake_java(tmp_path / "jdk21", "21.0.1"))}) is None
    assert "no java on PATH" in java_problem({"PATH": str(tmp_path / "empty")})
    assert "no java on JAVA_HOME/bin/java" in java_problem({"JAVA_HOME": str(tmp_path)})

    monkeypatch.setenv("JAVA_HOME", str(old))
    # the refusal is Java's, whether or not this installation has the spark extra
    monkeypatch.setattr(targets, "_importable", lambda module: True)
    settings = Settings(target="spark", warehouse=tmp_path / "wh.duckdb")
    with pytest.raises(targets.TargetUnavailable, match=r"target spark: Spark 4 needs Java 17"):
        TARGET.prepare(settings)
    status = main(["run", "--target", "spark", "--warehouse", str(tmp_path / "wh.duckdb")])
    assert status == 2
    assert "target spark: Spark 4 needs Java 17 or later" in capsys.readouterr().err
    assert not (tmp_path / "wh.candidate.duckdb").exists()


def test_spark_validation_frames_use_spark_sql():
    duckdb_only = ("at time zone", "asof", "double precision", "as varchar")
    for validation in VALIDATIONS:
        on_spark = validation.frame_sql(Settings(target="spark"))
        assert "_candidate." not in on_spark, validation.name
        for construct in duckdb_only:
            assert construct not in on_spark.lower(), (validation.name, construct)


def test_spark_outcomes_travel_as_json():
    from datetime import UTC, datetime

    from orchestration.lib.quality.catalog import validation
    from orchestration.lib.quality.runner import Failure, Outcome
    from orchestration.lib.quality.spark import outcome_as_json, outcome_from_json

    outcome = Outcome(
        validation("revenue.fx_coverage"),
        ("marts", "revenue_by_payment_monthly"),
        "revenue_fx_coverage",
        [Failure("expect_column_values_to_be_in_set(has_fx_rate)", "critical", 1, ["P9"])],
        12,
        datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
    )
    back = outcome_from_json(json.loads(json.dumps(outcome_as_json(outcome))))
    assert back == outcome
    assert back.as_record() == outcome.as_record()


def test_spark_exports_replace_the_published_schemas_of_the_candidate(tmp_path):
    from orchestration.lib.targets.spark import import_exported_schemas

    candidate = tmp_path / "wh.candidate.duckdb"
    with duckdb.connect(str(candidate)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.published_earlier as select 1 as x")
        con.execute("create schema raw")
        con.execute("create table raw.crm__leads as select 'L1' as lead_id")
    export = tmp_path / "export"
    with duckdb.connect() as con:
        for schema, table, sql in (
            ("marts", "sql_by_handover_monthly", "select date '2026-03-01' as month, 2 as n"),
            ("core", "fct_leads", "select 'L1' as lead_id"),
        ):
            (export / schema / table).mkdir(parents=True)
            path = export / schema / table / "part-0.parquet"
            con.execute(f"copy ({sql}) to '{path}' (format parquet)")
    assert import_exported_schemas(export, candidate) == [
        "marts.sql_by_handover_monthly",
        "core.fct_leads",
    ]
    with duckdb.connect(str(candidate), read_only=True) as con:
        marts = con.execute("select * from marts.sql_by_handover_monthly").fetchall()
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables order by 1"
        ).fetchall()
    assert marts == [(date(2026, 3, 1), 2)]
    assert tables == [("core.fct_leads",), ("marts.sql_by_handover_monthly",), ("raw.crm__leads",)]
