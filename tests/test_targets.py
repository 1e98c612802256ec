"""The target setting and the registry of targets: what each run is told, and how an
unknown or uninstallable target is refused."""

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
