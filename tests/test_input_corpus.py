"""Bad-input corpus: landing files as real exports get them wrong, and what ingestion does.

Each case writes its landing files, loads one entity, and asserts one of three outcomes:
read correctly, rows quarantined with a reason (rows read = staged + quarantined), or
ingestion fails with a message naming the file. README "Input rules" lists the same decisions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.entities import entity
from orchestration.lib.ingestion import load_entity
from orchestration.lib.landing import IngestionError

LEADS = ["lead_id", "created_at", "company_name"]
PAYMENTS = ["payment_id", "deal_id", "paid_at", "amount", "currency", "status", "kind"]
SQL_TEXT = "'); drop table raw.crm__leads; --"


def csv_bytes(header, *rows, delimiter=",", newline="\n", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def lead(lead_id="L1", created_at="2026-01-10T09:00:00Z", company="Acme"):
    return [lead_id, created_at, company]


def payment(
    payment_id="P1",
    deal_id="D1",
    paid_at="2026-01-10T10:00:00Z",
    amount="10.00",
    currency="USD",
    status="succeeded",
    kind="payment",
):
    return [payment_id, deal_id, paid_at, amount, currency, status, kind]


def payments_with(column: str, *values: str) -> bytes:
    """One payment per value of `column`, the other columns valid."""
    return csv_bytes(
        PAYMENTS, *(payment(f"P{i}", **{column: v}) for i, v in enumerate(values, start=1))
    )


def parquet(sql: str) -> Callable[[Path], None]:
    """A Parquet file written by DuckDB from `sql`."""

    def write(path: Path) -> None:
        with duckdb.connect() as con:
            con.execute(f"copy ({sql}) to '{path}' (format parquet)")

    return write


def truncated_parquet(path: Path) -> None:
    parquet("select 'P1' as payment_id, timestamp '2026-01-10 10:00' as paid_at")(path)
    path.write_bytes(path.read_bytes()[:-40])


@dataclass(frozen=True)
class Case:
    id: str
    entity: str
    files: dict[str, bytes | str | Callable[[Path], None]]
    staged: int = 0
    # (line, column, reason) for a single landing file, else (file, line, column, reason)
    quarantined: tuple[tuple, ...] = ()
    error: str | None = None  # regex the IngestionError message matches
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None
    extra: dict = field(default_factory=dict)


def staged_values(con, table: str, column: str) -> list:
    return [
        row[0]
        for row in con.execute(
            f'select "{column}" from raw.{table} order by _landing_file_rank, _landing_line'
        ).fetchall()
    ]


CASES = [
    # --- files that cannot be ingested at all: the run stops, naming the file ---
    Case("empty file", "crm/leads", {"crm/leads.csv": b""}, error="crm/leads.csv: empty file"),
    Case(
        "blank first line",
        "crm/leads",
        {"crm/leads.csv": b"\n" + csv_bytes(LEADS, lead())},
        error="crm/leads.csv: empty file, no header row",
    ),
    Case(
        "duplicate column names",
        "crm/leads",
        {"crm/leads.csv": csv_bytes([*LEADS, "company_name"], [*lead(), "Other"])},
        error="crm/leads.csv: column company_name appears more than once",
    ),
    Case(
        "column named like the lineage ingestion adds",
        "crm/leads",
        {"crm/leads.csv": csv_bytes([*LEADS, "_landing_file"], [*lead(), "x.csv"])},
        error="crm/leads.csv: column _landing_file is reserved",
    ),
    Case(
        "missing required column",
        "payments/payments",
        {"payments/payments.csv": csv_bytes(PAYMENTS[:-1], payment()[:-1])},
        error="payments/payments.csv: missing required column kind",
    ),
    Case(
        "semicolon file whose header also has a comma stays comma-separated",
        "crm/leads",
        {"crm/leads.csv": b"lead_id;created_at,company_name\nL1;2026-01-10,Acme\n"},
        error="crm/leads.csv: missing required columns lead_id, created_at",
    ),
    Case(
        "unterminated quote",
        "crm/leads",
        {"crm/leads.csv": b'lead_id,created_at,company_name\nL1,2026-01-10,"Acme\n'},
        error=r"crm/leads.csv: cannot be parsed as CSV",
    ),
    Case(
        "unterminated quote in the middle one of three drops",
        "crm/leads",
        {
            "crm/leads/2026-01-10.csv": csv_bytes(LEADS, lead()),
            "crm/leads/2026-01-11.csv": b'lead_id,created_at,company_name\nL2,2026-01-11,"Acme\n',
            "crm/leads/2026-01-12.csv": csv_bytes(LEADS, lead("L3")),
        },
        error=r"^crm/leads/2026-01-11.csv: cannot be parsed as CSV",
    ),
    Case(
        "a field longer than DuckDB's 2 MB line limit",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead(company="x" * 3_000_000))},
        error=r"crm/leads.csv: cannot be parsed as CSV",
    ),
    Case(
        "Windows-1251 file without a declared encoding",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(
                LEADS, lead(), lead("L2", company="ООО «Ромашка»"), encoding="cp1251"
            )
        },
        error=(
            r"crm/leads.csv: not valid UTF-8 text \(line 3\); if the export is not UTF-8, "
            r"declare its encoding in crm/leads.encoding"
        ),
    ),
    Case(
        "one invalid UTF-8 byte in an otherwise UTF-8 drop",
        "crm/leads",
        {
            "crm/leads/2026-01-10.csv": csv_bytes(LEADS, lead()),
            "crm/leads/2026-01-11.csv": csv_bytes(LEADS, lead(), lead("L2")).replace(
                b"L2", b"L\xff2"
            ),
        },
        error=r"crm/leads/2026-01-11.csv: not valid UTF-8 text \(line 3\).*crm/leads.encoding",
    ),
    Case(
        "Cyrillic header in Windows-1251 without a declared encoding",
        "crm/leads",
        {"crm/leads.csv": csv_bytes([*LEADS, "Компания"], [*lead(), "x"], encoding="cp1251")},
        error=r"crm/leads.csv: header cannot be read as UTF-8 text.*crm/leads.encoding",
    ),
    Case(
        "UTF-16 file (Excel 'Unicode text') without a declared encoding",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead(), encoding="utf-16")},
        error=r"crm/leads.csv: header cannot be read as UTF-8 text",
    ),
    Case(
        "unknown encoding declared",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead()), "crm/leads.encoding": "cyrillic-ish\n"},
        error="crm/leads.encoding: unknown encoding 'cyrillic-ish'",
    ),
    Case(
        "UTF-8 file declared as Windows-1251 (И is 0xD0 0x98; 0x98 is no cp1251 character)",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(LEADS, lead(company="Иван")),
            "crm/leads.encoding": "cp1251",
        },
        error=r"crm/leads.csv: not valid cp1251 text \(.* at byte 57\)",
    ),
    Case(
        "truncated Parquet file",
        "payments/payments",
        {"payments/payments.parquet": truncated_parquet},
        error="payments/payments.parquet: cannot be read as Parquet",
    ),
    Case(
        "CSV text in a file named .parquet",
        "payments/payments",
        {"payments/payments.parquet": csv_bytes(PAYMENTS, payment())},
        error="payments/payments.parquet: cannot be read as Parquet",
    ),
    Case(
        "missing entity folder",
        "payments/payments",
        {"crm/leads.csv": csv_bytes(LEADS, lead())},
        error=r"payments/payments: no landing file \(expected payments/payments.csv",
    ),
    Case(
        "empty entity folder",
        "payments/payments",
        {"payments/payments/notes.txt": "drops land here"},
        error="payments/payments: no landing file",
    ),
    # --- common real formats, read correctly ---
    Case("header only", "crm/leads", {"crm/leads.csv": csv_bytes(LEADS)}),
    Case(
        "header only, no final newline",
        "crm/leads",
        {"crm/leads.csv": b"lead_id,created_at,company_name"},
    ),
    Case(
        "missing optional entity",
        "ads/meta_ads",
        {"crm/leads.csv": csv_bytes(LEADS, lead())},
        check=lambda con: con.execute("select count(*) from raw.ads__meta_ads").fetchone() == (0,),
    ),
    Case(
        "semicolon as delimiter (Excel in many locales), commas inside values",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead(company="Acme, Inc."), delimiter=";")},
        staged=1,
        check=lambda con: staged_values(con, "crm__leads", "company_name") == ["Acme, Inc."],
    ),
    Case(
        "UTF-8 byte order mark",
        "crm/leads",
        {"crm/leads.csv": b"\xef\xbb\xbf" + csv_bytes(LEADS, lead(), lead("L2"))},
        staged=2,
        check=lambda con: staged_values(con, "crm__leads", "lead_id") == ["L1", "L2"],
    ),
    Case(
        "byte order mark, semicolons and CRLF together (Excel 'CSV UTF-8')",
        "crm/leads",
        {
            "crm/leads.csv": b"\xef\xbb\xbf"
            + csv_bytes(LEADS, lead(company="Café"), delimiter=";", newline="\r\n")
        },
        staged=1,
        check=lambda con: staged_values(con, "crm__leads", "company_name") == ["Café"],
    ),
    Case(
        "CRLF line endings",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead(), lead("L2", "yesterday"), newline="\r\n")},
        staged=1,
        quarantined=((3, "created_at", "unparseable timestamp"),),
        check=lambda con: staged_values(con, "crm__leads", "company_name") == ["Acme"],
    ),
    Case(
        "quoted newlines in a value: one record, one line number",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(
                LEADS, lead(company="Acme\r\nsecond line\nthird"), lead("L2", "10.01.2026")
            )
        },
        staged=1,
        quarantined=((3, "created_at", "unparseable timestamp"),),
        check=lambda con: (
            staged_values(con, "crm__leads", "company_name") == ["Acme\r\nsecond line\nthird"]
        ),
    ),
    Case(
        "trailing blank lines are no rows",
        "crm/leads",
        {"crm/leads.csv": csv_bytes(LEADS, lead(), lead("L2")) + b"\n\n\n"},
        staged=2,
    ),
    Case(
        "Windows-1251 declared for the entity",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(
                LEADS,
                lead(company="ООО «Ромашка»"),
                lead("L2", company="ИП Иванов"),
                delimiter=";",
                encoding="cp1251",
            ),
            "crm/leads.encoding": "cp1251\n",
        },
        staged=2,
        check=lambda con: (
            staged_values(con, "crm__leads", "company_name") == ["ООО «Ромашка»", "ИП Иванов"]
        ),
    ),
    Case(
        "Windows-1251 declared for a folder of daily drops, bad row still located",
        "crm/leads",
        {
            "crm/leads/2026-01-10.csv": csv_bytes(LEADS, lead(company="Ёлка"), encoding="cp1251"),
            "crm/leads/2026-01-11.csv": csv_bytes(
                LEADS, lead("L2", company="Щука"), lead("L3", "31.01.2026"), encoding="cp1251"
            ),
            "crm/leads.encoding": "windows-1251",
        },
        staged=2,
        quarantined=(("crm/leads/2026-01-11.csv", 3, "created_at", "unparseable timestamp"),),
        check=lambda con: (
            staged_values(con, "crm__leads", "company_name") == ["Ёлка", "Щука"]
            and con.execute("select raw_text from raw.quarantine").fetchone()[0].count("L3") == 1
        ),
    ),
    Case(
        "UTF-16 declared",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(LEADS, lead(company="Zoë"), encoding="utf-16"),
            "crm/leads.encoding": "UTF-16",
        },
        staged=1,
        check=lambda con: staged_values(con, "crm__leads", "company_name") == ["Zoë"],
    ),
    Case(
        "reordered columns",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(
                ["company_name", "created_at", "lead_id"], ["Acme", "2026-01-10", "L1"]
            )
        },
        staged=1,
        check=lambda con: (
            con.execute("select lead_id, created_at, company_name from raw.crm__leads").fetchall()
            == [("L1", "2026-01-10", "Acme")]
        ),
    ),
    Case(
        "extra columns, and drops with different column orders",
        "crm/leads",
        {
            "crm/leads/2026-01-10.csv": csv_bytes([*LEADS, "crm_owner"], [*lead(), "anna"]),
            "crm/leads/2026-01-11.csv": csv_bytes(["created_at", "lead_id"], ["2026-01-11", "L2"]),
        },
        staged=2,
        check=lambda con: (
            con.execute("select lead_id, crm_owner from raw.crm__leads order by lead_id").fetchall()
            == [("L1", "anna"), ("L2", None)]
        ),
    ),
    # --- values: quarantined with a reason, or staged for later steps to judge ---
    Case(
        "day-first, month-first and other non-ISO timestamps",
        "payments/payments",
        {
            "payments/payments.csv": payments_with(
                "paid_at",
                "10.01.2026 10:00",
                "01/10/2026 10:00 AM",
                "2026/01/10 10:00",
                "1736500000",
                "infinity",
                "epoch",
                "2026-01-10T10:00:00 MSK",
                "2026-1-5",
                "2026-02-30",
            )
        },
        quarantined=tuple((line, "paid_at", "unparseable timestamp") for line in range(2, 11)),
    ),
    Case(
        "ISO-8601 timestamp forms",
        "payments/payments",
        {
            "payments/payments.csv": payments_with(
                "paid_at",
                "2026-01-10T10:00:00+0300",
                "2026-01-10T10:00:00+03:00",
                "2026-01-10 10:00:00",
                "2026-01-10",
                "2026-01-10T10:00:00.123456Z",
            )
        },
        staged=5,
    ),
    Case(
        "non-ISO dates and months",
        "finance/fx_rates",
        {
            "finance/fx_rates.csv": csv_bytes(
                ["date", "currency", "rate_to_base"],
                ["10.01.2026", "EUR", "1.1"],
                ["2026-1-5", "EUR", "1.1"],
                ["infinity", "EUR", "1.1"],
                ["2026-01-10", "EUR", "1.1"],
            )
        },
        staged=1,
        quarantined=tuple((line, "date", "unparseable date") for line in (2, 3, 4)),
    ),
    Case(
        "non-ISO months",
        "finance/plans",
        {
            "finance/plans.csv": csv_bytes(
                ["month", "segment", "metric", "plan_value"],
                ["01.2026", "all", "sql", "10"],
                ["2026-1", "all", "sql", "10"],
                ["2026-01", "all", "sql", "10"],
            )
        },
        staged=1,
        quarantined=((2, "month", "unparseable month"), (3, "month", "unparseable month")),
    ),
    Case(
        "future dates are staged (the as_of cut-off ignores them later)",
        "payments/payments",
        {"payments/payments.csv": payments_with("paid_at", "2099-01-01T00:00:00Z", "9999-12-31")},
        staged=2,
    ),
    Case(
        "unknown 3-letter currency is staged (no fx rate is validation's concern)",
        "payments/payments",
        {"payments/payments.csv": payments_with("currency", "XYZ", "usd", " eur ")},
        staged=3,
    ),
    Case(
        "currency that is not a 3-letter code",
        "payments/payments",
        {"payments/payments.csv": payments_with("currency", "US$", "₽", "RUR1", "rub.", "US")},
        quarantined=tuple((line, "currency", "invalid currency code") for line in range(2, 7)),
    ),
    Case(
        "negative amount",
        "payments/payments",
        {"payments/payments.csv": payments_with("amount", "-10.00", "-0.01", "0")},
        staged=1,
        quarantined=((2, "amount", "negative amount"), (3, "amount", "negative amount")),
    ),
    Case(
        "huge amounts: a quadrillion and more is out of range",
        "payments/payments",
        {
            "payments/payments.csv": payments_with(
                "amount",
                "999999999999999.99",
                "1000000000000000",
                "1e40",
                "123456789012345678901234567890",
                "-1e40",
            )
        },
        staged=1,
        quarantined=tuple((line, "amount", "number out of range") for line in range(3, 7)),
    ),
    Case(
        "NaN and infinity amounts",
        "payments/payments",
        {"payments/payments.csv": payments_with("amount", "NaN", "nan", "inf", "-Infinity")},
        quarantined=tuple((line, "amount", "unparseable number") for line in range(2, 6)),
    ),
    Case(
        "thousands separators, decimal commas and currency signs",
        "payments/payments",
        {"payments/payments.csv": payments_with("amount", "1,000.00", "12,50", "$10", "10 USD")},
        quarantined=tuple((line, "amount", "unparseable number") for line in range(2, 6)),
    ),
    Case(
        "decimal comma in a semicolon file (Russian Excel)",
        "payments/payments",
        {
            "payments/payments.csv": csv_bytes(
                PAYMENTS, payment(amount="12,50"), payment("P2", amount="12.50"), delimiter=";"
            )
        },
        staged=1,
        quarantined=((2, "amount", "unparseable number"),),
    ),
    Case(
        "whole numbers: fractions, hex and values beyond bigint",
        "ads/google_ads",
        {
            "ads/google_ads.csv": csv_bytes(
                [
                    "segments_date",
                    "campaign_id",
                    "metrics_clicks",
                    "metrics_cost_micros",
                    "customer_currency_code",
                ],
                ["2026-01-10", "C1", "12.0", "5000000", "USD"],
                ["2026-01-10", "C2", "3", "12.5", "USD"],
                ["2026-01-10", "C3", "0x10", "1", "USD"],
                ["2026-01-10", "C4", "3", "99999999999999999999", "USD"],
                ["2026-01-10", "C5", "-1", "1", "USD"],
            )
        },
        staged=1,
        quarantined=(
            (3, "metrics_cost_micros", "unparseable whole number"),
            (4, "metrics_clicks", "unparseable whole number"),
            (5, "metrics_cost_micros", "number out of range"),
            (6, "metrics_clicks", "negative count"),
        ),
    ),
    Case(
        "event for an unknown lead is staged (reported downstream)",
        "crm/lead_events",
        {
            "crm/lead_events.csv": csv_bytes(
                ["event_id", "lead_id", "stage", "occurred_at"],
                ["E1", "L404", "sql", "2026-01-10T10:00:00Z"],
            )
        },
        staged=1,
        extra={"enum_values": {"stage": ("sql",)}},
    ),
    Case(
        "payment for an unknown deal is staged (reported downstream)",
        "payments/payments",
        {"payments/payments.csv": payments_with("deal_id", "D404", "")},
        staged=2,
    ),
    Case(
        "text that looks like SQL, in values, a column name and a file name",
        "crm/leads",
        {
            f"crm/leads/2026-01-10{SQL_TEXT}.csv": csv_bytes(
                [*LEADS, SQL_TEXT], lead(SQL_TEXT, company=SQL_TEXT) + [SQL_TEXT]
            ),
            "crm/leads/2026-01-11.csv": csv_bytes(LEADS, lead("L2", "'; select 1; --")),
        },
        staged=1,
        quarantined=(("crm/leads/2026-01-11.csv", 2, "created_at", "unparseable timestamp"),),
        check=lambda con: (
            con.execute(
                f'select lead_id, company_name, "{SQL_TEXT}", _landing_file from raw.crm__leads'
            ).fetchall()
            == [(SQL_TEXT, SQL_TEXT, SQL_TEXT, f"crm/leads/2026-01-10{SQL_TEXT}.csv")]
        ),
    ),
    Case(
        "100 KB strings are kept whole",
        "crm/leads",
        {
            "crm/leads.csv": csv_bytes(
                LEADS, lead(company="Я" * 100_000), lead("L2", company="x" * 100_000)
            )
        },
        staged=2,
        check=lambda con: (
            con.execute(
                "select list(length(company_name) order by lead_id) from raw.crm__leads"
            ).fetchone()
            == ([100_000, 100_000],)
        ),
    ),
    Case(
        "lines with too many or too few fields",
        "crm/leads",
        {
            "crm/leads.csv": b"lead_id,created_at,company_name\nL1,2026-01-10,Acme,extra\nL2,2026-01-10\nL3,2026-01-10,Acme\n"
        },
        staged=1,
        quarantined=(
            (2, None, "malformed line: too many columns"),
            (3, "company_name", "malformed line: missing columns"),
        ),
        check=lambda con: (
            con.execute("select lead_id, _landing_line from raw.crm__leads").fetchall()
            == [("L3", 4)]
        ),
    ),
    Case(
        "Parquet with wrong types: text of a timestamp reads, NaN and 1e40 do not",
        "payments/payments",
        {
            "payments/payments.parquet": parquet(
                "select * from (values"
                " ('P1', timestamp '2026-01-10 10:00', 12.5::double, 'USD', 'succeeded', true),"
                " ('P2', timestamp '2026-01-10 10:00', 'nan'::double, 'USD', 'succeeded', true),"
                " ('P3', timestamp '2026-01-10 10:00', 1e40::double, 'USD', 'succeeded', true))"
                " as t(payment_id, paid_at, amount, currency, status, kind)"
            )
        },
        quarantined=(
            (1, "kind", "unknown kind value"),
            (2, "amount", "unparseable number"),
            (3, "amount", "number out of range"),
        ),
    ),
    Case(
        "Parquet drops of the same columns with different types",
        "payments/payments",
        {
            "payments/payments/2026-01-10.parquet": parquet(
                "select 'P1' as payment_id, timestamp '2026-01-10 10:00' as paid_at,"
                " 10.5::decimal(18, 2) as amount, 'USD' as currency, 'succeeded' as status,"
                " 'payment' as kind"
            ),
            "payments/payments/2026-01-11.parquet": parquet(
                "select 'P2' as payment_id, 1736500000::bigint as paid_at,"
                " 10.5::double as amount, 'USD' as currency, 'succeeded' as status,"
                " 'payment' as kind"
            ),
        },
        staged=1,
        quarantined=(
            ("payments/payments/2026-01-11.parquet", 1, "paid_at", "unparseable timestamp"),
        ),
        check=lambda con: (
            staged_values(con, "payments__payments", "paid_at") == ["2026-01-10 10:00:00"]
        ),
    ),
]


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def write_landing(landing: Path, files: dict) -> None:
    for relative, content in files.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, con, tmp_path: Path):
    write_landing(tmp_path, case.files)
    landing_entity = entity(case.entity)
    enum_values = case.extra.get("enum_values")
    if case.error is not None:
        with pytest.raises(IngestionError, match=case.error):
            load_entity(con, tmp_path, landing_entity, enum_values)
        return

    load = load_entity(con, tmp_path, landing_entity, enum_values)

    assert load.rows_read == load.rows_staged + load.rows_quarantined
    assert (load.rows_staged, load.rows_quarantined) == (case.staged, len(case.quarantined))
    quarantined = con.execute(
        "select landing_file, landing_line, column_name, reason, raw_text from raw.quarantine"
        " where entity = ? order by landing_file, landing_line",
        [landing_entity.path],
    ).fetchall()
    landing_files = [name for name in case.files if name.startswith(landing_entity.path)]
    expected = [q if len(q) == 4 else (landing_files[0], *q) for q in case.quarantined]
    assert [row[:4] for row in quarantined] == expected
    assert all(row[4] for row in quarantined), "every quarantined row keeps its raw text"
    if case.check is not None:
        assert case.check(con)


# --- a few cases through the whole pipeline: the run fails, and the failure names the file ---


def _run(landing: Path):
    from orchestration.lib.settings import Settings
    from orchestration.pipeline import run_pipeline

    return run_pipeline(Settings(landing=landing, warehouse=landing.parent / "w.duckdb"))


def test_pipeline_fails_naming_an_undeclared_windows_1251_file(minimal_landing: Path):
    (minimal_landing / "crm/leads.csv").write_bytes(
        csv_bytes(LEADS, lead(company="ООО «Ромашка»"), encoding="cp1251")
    )
    report = _run(minimal_landing)
    assert not report.succeeded
    assert any(
        "crm/leads.csv: not valid UTF-8 text (line 2)" in failure for failure in report.failures
    ), report.failures


def test_pipeline_fails_naming_a_truncated_parquet_file(minimal_landing: Path):
    (minimal_landing / "payments/payments.csv").unlink()
    truncated_parquet(minimal_landing / "payments/payments.parquet")
    report = _run(minimal_landing)
    assert not report.succeeded
    assert any(
        "payments/payments.parquet: cannot be read as Parquet" in failure
        for failure in report.failures
    ), report.failures
