"""The Great Expectations suites: each passes a known-good frame and fails on bad data.

A suite that silently passes everything would let wrong numbers through, so every critical
expectation is fed a frame that breaks it, and must fail naming the offending rows. Each frame
is validated twice: as a DataFrame through the committed checkpoint, and as a table through
DuckDB's SQL, the way a run validates its warehouse.
"""

import dataclasses
import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.lib.quality import project
from orchestration.lib.quality.catalog import SOURCE_RULES, VALIDATIONS, WARNING, Bounds, validation
from orchestration.lib.quality.project import (
    GX_DIR,
    copy_project,
    expectation_configs,
    open_context,
    result_format,
    write_project,
)
from orchestration.lib.quality.runner import validate_frame
from orchestration.lib.quality.sql import run_duckdb_validations
from orchestration.lib.settings import Settings

T = pd.Timestamp


@pytest.fixture(scope="module")
def gx_context(tmp_path_factory):
    out = tmp_path_factory.mktemp("gx")
    return open_context(out / "validations", out / "data_docs")


@pytest.fixture(scope="module")
def parameters():
    settings = Settings(as_of=date(2026, 3, 10))
    return {
        **Bounds().parameters(settings),
        "lead_channels": ["direct", "email", "other", "paid_search", "paid_social"],
        "crm_stages": ["accepted", "mql", "new", "rejected", "sql"],
    }


def frame_in_duckdb(warehouse, name: str, frame: pd.DataFrame):
    """Validation `name` over `frame`, written as table `frame` of the DuckDB file `warehouse`."""
    with duckdb.connect(str(warehouse)) as con:
        con.register("given", frame)
        con.execute("create or replace table frame as select * from given")
    return dataclasses.replace(validation(name), frame_sql=lambda _: "select * from frame")


@pytest.fixture(params=["dataframe", "duckdb"])
def validate(request, gx_context, parameters, tmp_path_factory):
    """`validate(name, frame)`: the outcomes of validation `name` on `frame`."""
    if request.param == "dataframe":
        return lambda name, frame: validate_frame(gx_context, validation(name), frame, parameters)
    folder = tmp_path_factory.mktemp("duckdb")
    warehouse = folder / "frames.duckdb"
    settings = Settings(warehouse=folder / "warehouse.duckdb", as_of=date(2026, 3, 10))

    def on_duckdb(name, frame):
        table = frame_in_duckdb(warehouse, name, frame)
        return run_duckdb_validations(warehouse, settings, (table,), Bounds())

    return on_duckdb


def good_source_frame(rules) -> pd.DataFrame:
    rows = []
    for i in range(3):
        row = {}
        for column in rules.columns:
            if column in rules.enums:
                values = rules.enums[column]
                row[column] = "mql" if isinstance(values, str) else values[0]
            elif column in rules.key:
                row[column] = T(2026, 1, 1 + i) if column in rules.dated else f"K{i}"
            elif column in rules.dated:
                row[column] = T(2026, 1, 15)
            else:
                row[column] = 1.5
        rows.append(row)
    return pd.DataFrame(rows)


GOOD_FRAMES = {
    "attribution_transition.handovers": pd.DataFrame(
        {
            "lead_id": ["L1", "L2"],
            "handover_at": [T(2026, 1, 5), T(2026, 2, 1)],
            "created_at": [T(2026, 1, 1), T(2026, 2, 1)],
            "segment": ["small", "unknown"],
            "channel": ["email", "direct"],
            "is_implicit_handover": [False, True],
            "verdict": ["accepted", None],
        }
    ),
    "attribution_transition.totals": pd.DataFrame(
        {
            "segment": ["small", "(all)"],
            "channel": ["email", "(all)"],
            "by_creation": [2, 2],
            "by_handover": [2, 2],
            "in_handover_mart": [2, 2],
            "handed_over_leads": [2, 2],
        }
    ),
    "attribution_transition.shares": pd.DataFrame(
        {"sql_count": [10], "implicit_handover_share": [0.1], "rejected_share": [0.2]}
    ),
    "revenue.payments": pd.DataFrame(
        {
            "payment_id": ["P1", "P2"],
            "status": ["succeeded", "failed"],
            "payment_kind": ["payment", "refund"],
            "paid_at": [T(2026, 1, 1), T(2026, 1, 2)],
        }
    ),
    "revenue.fx_coverage": pd.DataFrame(
        {
            "money_row": ["payment", "ad spend"],
            "row_key": ["P1", "google_ads C1 2026-01-01"],
            "currency": ["EUR", "USD"],
            "has_fx_rate": [True, True],
        }
    ),
    "revenue.reconciliation": pd.DataFrame(
        {
            "month": [T(2026, 1, 1), T(2026, 2, 1)],
            "mart_revenue": [100.0, 50.0],
            "staged_revenue": [100.0, 50.0],
            "mart_payments_count": [2, 1],
            "staged_payments_count": [2, 1],
            "gap": [0.0, 0.01],
            "tolerance": [0.005, 0.015],
        }
    ),
    "revenue.shares": pd.DataFrame(
        {"revenue": [1000.0], "unattributed_revenue": [50.0], "unattributed_revenue_share": [0.05]}
    ),
    "sources.ingestion": pd.DataFrame(
        {
            "entity": ["crm/leads", "payments/payments"],
            "rows_read": [100, 10],
            "rows_accounted": [100, 10],
            "quarantine_share": [0.01, 0.0],
        }
    ),
    "sources.freshness": pd.DataFrame(
        {
            "entity": ["crm/leads", "ads/meta_ads"],
            "newest_date": [T(2026, 3, 9), None],
            "lag_days": [1, None],
        }
    ),
    **{
        f"sources.{rules.model.removeprefix('stg_')}": good_source_frame(rules)
        for rules in SOURCE_RULES
    },
}


def with_row(frame: pd.DataFrame, **values) -> pd.DataFrame:
    row = frame.iloc[[0]].copy()
    for column, value in values.items():
        row[column] = value
    return pd.concat([frame, row], ignore_index=True)


def with_values(frame: pd.DataFrame, **values) -> pd.DataFrame:
    changed = frame.copy()
    for column, value in values.items():
        changed.loc[0, column] = value
    return changed


def source_breakages():
    for rules in SOURCE_RULES:
        name = f"sources.{rules.model.removeprefix('stg_')}"
        good = GOOD_FRAMES[name]
        key_column = rules.key[-1]
        yield name, "duplicate key", with_row(good), "unique"
        yield (
            name,
            "empty key",
            with_values(good, **{key_column: None}),
            "expect_column_values_to_not_be_null",
        )
        for column in rules.enums:
            yield name, f"unknown {column}", with_values(good, **{column: "bogus"}), "in_set"
        for column in rules.non_negative:
            yield name, f"negative {column}", with_values(good, **{column: -0.01}), "between"
        for column in rules.positive:
            yield name, f"zero {column}", with_values(good, **{column: 0.0}), "between"


CRITICAL_BREAKAGES = [
    (
        "attribution_transition.handovers",
        "lead counted twice",
        with_row(GOOD_FRAMES["attribution_transition.handovers"]),
        "unique",
    ),
    (
        "attribution_transition.handovers",
        "handover before creation",
        with_values(GOOD_FRAMES["attribution_transition.handovers"], handover_at=T(2025, 12, 31)),
        "a_to_be_greater_than_b",
    ),
    (
        "attribution_transition.handovers",
        "SQL without segment",
        with_values(GOOD_FRAMES["attribution_transition.handovers"], segment=None),
        "not_be_null",
    ),
    (
        "attribution_transition.handovers",
        "SQL with an unknown channel",
        with_values(GOOD_FRAMES["attribution_transition.handovers"], channel="billboards"),
        "in_set",
    ),
    (
        "attribution_transition.totals",
        "totals by creation and by handover differ",
        with_values(GOOD_FRAMES["attribution_transition.totals"], by_creation=3),
        "by_creation vs by_handover",
    ),
    (
        "attribution_transition.totals",
        "handover mart disagrees",
        with_values(GOOD_FRAMES["attribution_transition.totals"], in_handover_mart=1),
        "by_handover vs in_handover_mart",
    ),
    (
        "attribution_transition.totals",
        "marts count a lead the facts do not hold",
        with_values(GOOD_FRAMES["attribution_transition.totals"], handed_over_leads=1),
        "by_handover vs handed_over_leads",
    ),
    (
        "attribution_transition.totals",
        "SQLs without channel",
        with_values(GOOD_FRAMES["attribution_transition.totals"], channel=None),
        "not_be_null",
    ),
    (
        "revenue.payments",
        "payment counted twice",
        with_row(GOOD_FRAMES["revenue.payments"]),
        "unique",
    ),
    (
        "revenue.payments",
        "unknown kind",
        with_values(GOOD_FRAMES["revenue.payments"], payment_kind="chargeback"),
        "in_set",
    ),
    (
        "revenue.fx_coverage",
        "payment without a rate",
        with_values(GOOD_FRAMES["revenue.fx_coverage"], has_fx_rate=False),
        "in_set",
    ),
    (
        "revenue.reconciliation",
        "mart revenue off by two cents",
        with_values(GOOD_FRAMES["revenue.reconciliation"], gap=0.02),
        "a_to_be_greater_than_b",
    ),
    (
        "revenue.reconciliation",
        "a payment missing from the mart",
        with_values(GOOD_FRAMES["revenue.reconciliation"], mart_payments_count=1),
        "mart_payments_count vs staged_payments_count",
    ),
    (
        "sources.ingestion",
        "rows lost between reading and staging",
        with_values(GOOD_FRAMES["sources.ingestion"], rows_accounted=99),
        "rows_read vs rows_accounted",
    ),
    *source_breakages(),
]

WARNING_BREAKAGES = [
    (
        "attribution_transition.shares",
        with_values(GOOD_FRAMES["attribution_transition.shares"], implicit_handover_share=0.9),
    ),
    (
        "attribution_transition.shares",
        with_values(GOOD_FRAMES["attribution_transition.shares"], rejected_share=0.75),
    ),
    (
        "revenue.shares",
        with_values(GOOD_FRAMES["revenue.shares"], unattributed_revenue_share=0.5),
    ),
    ("sources.ingestion", with_values(GOOD_FRAMES["sources.ingestion"], quarantine_share=0.3)),
    ("sources.freshness", with_values(GOOD_FRAMES["sources.freshness"], lag_days=12)),
    (
        "sources.crm__leads",
        with_values(GOOD_FRAMES["sources.crm__leads"], created_at=T(1970, 1, 1)),
    ),
    (
        "sources.payments__payments",
        with_values(GOOD_FRAMES["sources.payments__payments"], paid_at=T(2036, 3, 10)),
    ),
]


def test_every_validation_has_a_known_good_frame():
    assert set(GOOD_FRAMES) == {v.name for v in VALIDATIONS}


@pytest.mark.parametrize("name", sorted(GOOD_FRAMES))
def test_known_good_frame_passes(validate, name):
    outcomes = validate(name, GOOD_FRAMES[name])
    assert outcomes
    assert [o.summary() for o in outcomes if not o.passed] == []


@pytest.mark.parametrize(
    ("name", "breakage", "frame", "expectation"),
    CRITICAL_BREAKAGES,
    ids=[f"{name}: {breakage}" for name, breakage, _, _ in CRITICAL_BREAKAGES],
)
def test_critical_expectation_fails_on_bad_data(validate, name, breakage, frame, expectation):
    outcomes = validate(name, frame)
    failed = [f for o in outcomes for f in o.critical_failures]
    assert failed, f"{name} passed despite {breakage}"
    assert any(expectation in f.expectation for f in failed), [f.expectation for f in failed]
    assert all(f.offending_rows >= 1 for f in failed)
    assert validation(name).blocking


def test_offending_rows_are_named(validate):
    frame = with_values(GOOD_FRAMES["revenue.fx_coverage"], has_fx_rate=False)
    (outcome,) = validate("revenue.fx_coverage", frame)
    (failure,) = outcome.failures
    assert failure.offending_rows == 1
    assert failure.examples == ["payment/P1/EUR"]
    assert "P1" in outcome.summary()


def test_split_validation_fails_only_the_entity_concerned(validate):
    frame = with_values(GOOD_FRAMES["sources.ingestion"], rows_accounted=99)
    outcomes = validate("sources.ingestion", frame)
    by_asset = {o.asset: o for o in outcomes}
    assert by_asset[("crm", "leads")].critical_failures
    assert by_asset[("payments", "payments")].passed


@pytest.mark.parametrize(
    ("name", "frame"), WARNING_BREAKAGES, ids=[name for name, _ in WARNING_BREAKAGES]
)
def test_warning_fails_without_blocking(validate, name, frame):
    outcomes = validate(name, frame)
    failed = [o for o in outcomes if not o.passed]
    assert failed
    assert all(o.severity == WARNING for o in failed)
    assert not any(o.critical_failures for o in failed)


@pytest.mark.parametrize("suite", VALIDATIONS, ids=[v.name for v in VALIDATIONS])
def test_a_suite_blocks_exactly_when_it_has_a_critical_expectation(suite):
    severities = {str(getattr(e.severity, "value", e.severity)) for e in suite.expectations()}
    assert suite.blocking == (severities != {WARNING}), severities


def test_bounds_come_from_the_environment():
    bounds = Bounds.from_environment(
        {"ONEFUNNEL_MAX_REJECTED_SHARE": "0.8", "ONEFUNNEL_MAX_SOURCE_LAG_DAYS": "10"}
    )
    assert bounds.max_rejected_share == 0.8
    assert bounds.max_source_lag_days == 10
    assert bounds.max_quarantine_share == Bounds().max_quarantine_share


def test_committed_project_is_what_the_catalogue_declares(tmp_path, monkeypatch):
    """The suites, validation definitions and checkpoints in the repository are the code's."""
    for v in VALIDATIONS:
        suite = json.loads(
            (GX_DIR / "expectations" / f"{v.name.replace('.', '/')}.json").read_text()
        )
        stored = [{k: e[k] for k in e if k != "id"} for e in suite["expectations"]]
        declared = expectation_configs(v.expectations())
        assert [json.dumps(e, sort_keys=True, default=str) for e in stored] == [
            json.dumps(e, sort_keys=True, default=str) for e in declared
        ], v.name
        checkpoint = json.loads((GX_DIR / "checkpoints" / f"{v.name}.json").read_text())
        assert checkpoint["result_format"] == result_format(v)
        assert (GX_DIR / "validation_definitions" / f"{v.name}.json").exists()
    assert len(list((GX_DIR / "checkpoints").glob("*.json"))) == len(VALIDATIONS)

    # regenerating leaves a copy of the project byte for byte as it was
    copy = copy_project(tmp_path / "expectations")
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    monkeypatch.setattr("orchestration.lib.quality.project.GX_ROOT", copy)
    monkeypatch.setattr("orchestration.lib.quality.project.GX_DIR", copy / "gx")
    monkeypatch.setattr("orchestration.lib.quality.project.UNCOMMITTED", copy / "gx/uncommitted")
    write_project()
    after = {
        p: p.read_bytes() for p in copy.rglob("*") if p.is_file() and "uncommitted" not in p.parts
    }
    assert after == before


def test_only_the_newest_runs_results_and_pages_are_kept(tmp_path, monkeypatch):
    # Every Data Docs index build reads each result kept: a daily run must not keep them all.
    monkeypatch.setattr(project, "VALIDATION_RUNS_KEPT", 2)
    warehouse = tmp_path / "frames.duckdb"
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", as_of=date(2026, 3, 10))
    table = frame_in_duckdb(warehouse, "revenue.fx_coverage", GOOD_FRAMES["revenue.fx_coverage"])

    def kept() -> tuple[list, list]:
        results = sorted(p.parent.name for p in settings.validation_results.rglob("*.json"))
        pages = sorted(p.parent.name for p in (settings.data_docs / "validations").rglob("*.html"))
        return results, pages

    run_times = []
    for _ in range(4):
        (outcome,) = run_duckdb_validations(warehouse, settings, (table,), Bounds())
        assert outcome.passed
        results, _ = kept()
        run_times.append(max(results))
    assert len(set(run_times)) == 4
    assert kept() == (run_times[-2:], run_times[-2:])
    index = (settings.data_docs / "index.html").read_text()
    assert run_times[-1] in index
    assert run_times[0] not in index


def test_a_failed_suite_keeps_one_result_which_names_the_offending_rows(tmp_path):
    # A suite runs for its verdict first; a failure runs it again for the rows, and only that
    # second result stays in the store and in Data Docs.
    warehouse = tmp_path / "frames.duckdb"
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", as_of=date(2026, 3, 10))
    frame = with_values(GOOD_FRAMES["revenue.fx_coverage"], has_fx_rate=False)
    table = frame_in_duckdb(warehouse, "revenue.fx_coverage", frame)
    (outcome,) = run_duckdb_validations(warehouse, settings, (table,), Bounds())
    assert outcome.failures[0].examples == ["payment/P1/EUR"]
    (stored,) = settings.validation_results.rglob("*.json")
    result = json.loads(stored.read_text())
    (failed,) = [r for r in result["results"] if not r["success"]]
    assert failed["result"]["unexpected_count"] == 1
    assert failed["result"]["partial_unexpected_index_list"] == [
        {"money_row": "payment", "row_key": "P1", "currency": "EUR", "has_fx_rate": False}
    ]
    (page,) = (settings.data_docs / "validations").rglob("*.html")
    assert page.parent.name == stored.parent.name
