from pathlib import Path

import duckdb
import pytest

from orchestration.lib.entities import entity
from orchestration.lib.ingestion import _number_lines, load_entity
from orchestration.lib.landing import IngestionError, discover
from tests.conftest import write_csv

LEAD_HEADER = ["lead_id", "created_at", "segment", "utm_source", "note"]


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def quarantine(con, path: str):
    return con.execute(
        "select landing_file, landing_line, column_name, reason from raw.quarantine"
        " where entity = ? order by landing_file, landing_line",
        [path],
    ).fetchall()


def test_lines_files_and_reasons(con, tmp_path: Path):
    write_csv(
        tmp_path / "crm/leads/2026-01-10.csv",
        LEAD_HEADER,
        [
            ["L1", "2026-01-10T09:00:00Z", "small", "google", "multi\nline note"],
            ["L2", "yesterday", "small", "", ""],
            ["", "2026-01-10T09:00:00Z", "small", "", ""],
            ["L3", "2026-01-10T09:00:00+03:00", "middle", "", "kept"],
        ],
    )
    # A line with too few fields sits between two good ones.
    path = tmp_path / "crm/leads/2026-01-11.csv"
    path.write_text(
        "lead_id,created_at,segment\nL1,2026-01-11T00:00:00Z,middle\nL4,2026-01-11\n"
        "L5,2026-01-11T08:00:00Z,small\n",
        encoding="utf-8",
    )
    load = load_entity(con, tmp_path, entity("crm/leads"))

    assert (load.files, load.rows_read, load.rows_staged, load.rows_quarantined) == (2, 7, 4, 3)
    assert (load.rows_replaced, load.records) == (1, 3)
    staged = con.execute(
        "select lead_id, _landing_file, _landing_line, _landing_file_rank, note"
        " from raw.crm__leads order by _landing_file_rank, _landing_line"
    ).fetchall()
    assert staged == [
        ("L1", "crm/leads/2026-01-10.csv", 2, 1, "multi\nline note"),
        ("L3", "crm/leads/2026-01-10.csv", 5, 1, "kept"),
        ("L1", "crm/leads/2026-01-11.csv", 2, 2, None),
        ("L5", "crm/leads/2026-01-11.csv", 4, 2, None),
    ]
    assert quarantine(con, "crm/leads") == [
        ("crm/leads/2026-01-10.csv", 3, "created_at", "unparseable timestamp"),
        ("crm/leads/2026-01-10.csv", 4, "lead_id", "empty key"),
        ("crm/leads/2026-01-11.csv", 3, "segment", "malformed line: missing columns"),
    ]
    raw_text = con.execute(
        "select raw_text from raw.quarantine where landing_line = 3 and reason like 'malformed%'"
    ).fetchone()[0]
    assert raw_text == "L4,2026-01-11"


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            ["P1", "", "01/02/2026 10:00", "1", "USD", "succeeded", "payment"],
            "paid_at",
            "unparseable timestamp",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "-1", "USD", "succeeded", "payment"],
            "amount",
            "negative amount",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "NaN", "USD", "succeeded", "payment"],
            "amount",
            "unparseable number",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "1", "dollars", "succeeded", "payment"],
            "currency",
            "invalid currency code",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "1", "USD", "done", "payment"],
            "status",
            "unknown status value",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "1", "USD", "succeeded", "chargeback"],
            "kind",
            "unknown kind value",
        ),
        (
            ["P1", "", "2026-01-01T00:00:00Z", "", "USD", "succeeded", "payment"],
            "amount",
            "missing required value",
        ),
    ],
)
def test_bad_payment_values_are_quarantined(con, tmp_path: Path, row, column, reason):
    write_csv(
        tmp_path / "payments/payments.csv",
        ["payment_id", "deal_id", "paid_at", "amount", "currency", "status", "kind"],
        [row, ["P2", "D1", "2026-01-02T00:00:00Z", " 12.50 ", "eur", " Succeeded ", "REFUND"]],
    )
    load = load_entity(con, tmp_path, entity("payments/payments"))
    assert (load.rows_read, load.rows_staged, load.rows_quarantined) == (2, 1, 1)
    assert quarantine(con, "payments/payments") == [("payments/payments.csv", 2, column, reason)]


def test_micros_rates_months_and_enum_from_seed(con, tmp_path: Path):
    write_csv(
        tmp_path / "ads/yandex_direct.csv",
        ["Date", "CampaignId", "Cost", "Currency"],
        [["2026-01-10", "Y1", "5000000", "RUB"], ["2026-01-11", "Y1", "1.5e9x", "RUB"]],
    )
    write_csv(
        tmp_path / "finance/fx_rates.csv",
        ["date", "currency", "rate_to_base"],
        [["2026-01-10", "EUR", "1.1"], ["2026-01-10", "RUB", "0"], ["10.01.2026", "GBP", "1.3"]],
    )
    write_csv(
        tmp_path / "finance/plans.csv",
        ["month", "segment", "metric", "plan_value"],
        [["2026-01", "ALL", "sql", "10"], ["2026-1-5", "all", "sql", "1"]],
    )
    write_csv(
        tmp_path / "crm/lead_events.csv",
        ["event_id", "lead_id", "stage", "occurred_at"],
        [["E1", "L1", " Qualified ", "2026-01-10"], ["E2", "L1", "mql", "2026-01-10"]],
    )
    load_entity(con, tmp_path, entity("ads/yandex_direct"))
    load_entity(con, tmp_path, entity("finance/fx_rates"))
    load_entity(con, tmp_path, entity("finance/plans"))
    load_entity(con, tmp_path, entity("crm/lead_events"), {"stage": ("qualified", "mql")})
    assert [row[2:] for row in quarantine(con, "ads/yandex_direct")] == [
        ("Cost", "unparseable whole number")
    ]
    assert [row[1:] for row in quarantine(con, "finance/fx_rates")] == [
        (3, "rate_to_base", "non-positive rate"),
        (4, "date", "unparseable date"),
    ]
    assert [row[1:] for row in quarantine(con, "finance/plans")] == [
        (3, "month", "unparseable month")
    ]
    assert quarantine(con, "crm/lead_events") == []


def test_parquet_rows_are_numbered_from_one(con, tmp_path: Path):
    (tmp_path / "crm").mkdir()
    con.execute(
        f"""copy (select * from (values ('U1', 'Mia', 'marketing'), ('U2', 'Sam', 'legal'),
            ('U3', 'Ann', ' Sales ')) as users(user_id, name, team))
        to '{tmp_path / "crm/users.parquet"}' (format parquet)"""
    )
    load = load_entity(con, tmp_path, entity("crm/users"))
    assert (load.rows_read, load.rows_staged, load.rows_quarantined) == (3, 2, 1)
    assert quarantine(con, "crm/users") == [("crm/users.parquet", 2, "team", "unknown team value")]
    assert con.execute("select user_id, _landing_line from raw.crm__users").fetchall() == [
        ("U1", 1),
        ("U3", 3),
    ]


@pytest.mark.parametrize("interleaved", [False, True], ids=["files in turn", "interleaved"])
def test_lines_count_the_rejected_lines_between_good_records(con, interleaved):
    # Good records of a.csv at lines 2, 3, 5, 8 (4, 6 and 7 rejected) and of b.csv at 2, 3.
    # Read tables hold each file's rows together; interleaved rows take the counted path.
    rows = [("a", "r1"), ("a", "r2"), ("a", "r3"), ("a", "r4"), ("b", "s1"), ("b", "s2")]
    if interleaved:
        rows = [rows[0], rows[4], rows[1], rows[5], rows[2], rows[3]]
    con.execute("create temp table t_read (value varchar, _landing_path varchar)")
    con.executemany("insert into t_read values (?, ?)", [(v, p) for p, v in rows])
    con.execute("create temp table malformed (path varchar, line bigint)")
    con.execute("insert into malformed values ('a', 4), ('a', 6), ('a', 7)")
    _number_lines(con, "t", 0)
    numbered = con.execute("select value, _landing_line from t order by value").fetchall()
    assert numbered == [("r1", 2), ("r2", 3), ("r3", 5), ("r4", 8), ("s1", 2), ("s2", 3)]


def test_missing_required_column_names_file_and_column(con, tmp_path: Path):
    write_csv(tmp_path / "crm/deals/2026-01-10.csv", ["deal_id", "created_at", "status"], [])
    write_csv(tmp_path / "crm/deals/2026-01-11.csv", ["deal_id", "created_at"], [["D1", "x"]])
    with pytest.raises(
        IngestionError, match=r"crm/deals/2026-01-11.csv: missing required column status"
    ):
        load_entity(con, tmp_path, entity("crm/deals"))


def test_absent_entities(con, tmp_path: Path):
    load = load_entity(con, tmp_path, entity("ads/meta_ads"))
    assert load.rows_read == 0
    columns = [row[0] for row in con.execute("describe raw.ads__meta_ads").fetchall()]
    assert columns[:3] == ["date_start", "campaign_id", "campaign_name"]
    with pytest.raises(IngestionError, match="payments/payments: no landing file"):
        load_entity(con, tmp_path, entity("payments/payments"))


def test_single_file_and_drops_are_read_in_name_order(tmp_path: Path):
    write_csv(tmp_path / "crm/leads/2026-01-11.csv", LEAD_HEADER, [])
    write_csv(tmp_path / "crm/leads/2026-01-10.csv", LEAD_HEADER, [])
    write_csv(tmp_path / "crm/leads.csv", LEAD_HEADER, [])
    (tmp_path / "crm/leads/notes.txt").write_text("not a landing file")
    assert [f.relative for f in discover(tmp_path, entity("crm/leads"))] == [
        "crm/leads.csv",
        "crm/leads/2026-01-10.csv",
        "crm/leads/2026-01-11.csv",
    ]


def lead_drop(landing: Path, day: str, *leads: tuple[str, str]) -> None:
    write_csv(
        landing / f"crm/leads/{day}.csv",
        ["lead_id", "created_at", "segment"],
        [[lead, f"{day}T09:00:00Z", segment] for lead, segment in leads],
    )


def raw_leads(con) -> list[tuple]:
    return con.execute(
        "select lead_id, segment, _landing_file, _landing_file_rank from raw.crm__leads"
        " order by _landing_file, lead_id"
    ).fetchall()


def test_a_new_drop_is_appended_and_loaded_files_are_not_read_again(con, tmp_path: Path):
    lead_drop(tmp_path, "2026-01-10", ("L1", "small"), ("L2", "bad segment"))
    first = load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    assert (first.mode, first.files_read, first.rows_read) == ("full", 1, 2)

    again = load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    assert (again.mode, again.files_read, again.rows_read, again.rows_staged) == (
        "unchanged", 0, 2, 2,
    )  # fmt: skip

    lead_drop(tmp_path, "2026-01-11", ("L1", "middle"), ("L3", "enterprise"))
    appended = load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    assert (appended.mode, appended.files_read, appended.files) == ("appended", 1, 2)
    assert (appended.rows_read, appended.rows_staged, appended.rows_replaced) == (4, 4, 1)
    assert raw_leads(con) == [
        ("L1", "small", "crm/leads/2026-01-10.csv", 1),
        ("L2", "bad segment", "crm/leads/2026-01-10.csv", 1),
        ("L1", "middle", "crm/leads/2026-01-11.csv", 2),
        ("L3", "enterprise", "crm/leads/2026-01-11.csv", 2),
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("rewrite", "crm/leads/2026-01-10.csv changed since it was loaded"),
        ("remove", "crm/leads/2026-01-10.csv was loaded before and is gone"),
        (
            "earlier",
            "crm/leads/2026-01-09.csv is new but sorts before crm/leads/2026-01-11.csv, "
            "loaded before",
        ),
    ],
)
def test_a_changed_history_reloads_the_entity(con, tmp_path: Path, change: str, reason: str):
    lead_drop(tmp_path, "2026-01-10", ("L1", "small"))
    lead_drop(tmp_path, "2026-01-11", ("L2", "small"))
    load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    if change == "rewrite":
        lead_drop(tmp_path, "2026-01-10", ("L1", "middle"))
    elif change == "remove":
        (tmp_path / "crm/leads/2026-01-10.csv").unlink()
    else:
        lead_drop(tmp_path, "2026-01-09", ("L0", "small"))
    load = load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    assert (load.mode, load.reason) == ("full", reason)
    files = {f.relative for f in discover(tmp_path, entity("crm/leads"))}
    assert {row[2] for row in raw_leads(con)} == files
    assert load.files_read == len(files) and load.rows_read == load.rows_staged == len(files)


def test_an_interrupted_load_leaves_raw_as_the_last_complete_load(con, tmp_path, monkeypatch):
    from orchestration.lib import ingestion

    lead_drop(tmp_path, "2026-01-10", ("L1", "small"))
    load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    before = raw_leads(con)
    lead_drop(tmp_path, "2026-01-11", ("L2", "small"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # after the new rows and their quarantine are written, before the load is recorded
    monkeypatch.setattr(ingestion, "_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    monkeypatch.undo()
    assert raw_leads(con) == before
    load = load_entity(con, tmp_path, entity("crm/leads"), incremental=True)
    assert (load.mode, load.files_read, load.rows_staged) == ("appended", 1, 2)
