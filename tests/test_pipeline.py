"""The whole pipeline in-process: hand-made landing files → raw → staging, checked value by value."""

import csv
import hashlib
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib.entities import ENTITIES
from orchestration.lib.publication import parquet_dir
from orchestration.lib.settings import Settings
from orchestration.pipeline import run_pipeline
from tests.conftest import query, write_csv


def hand_made_landing(landing: Path) -> Path:
    write_csv(
        landing / "crm/leads/2026-01-10.csv",
        ["lead_id", "created_at", "email", "segment", "utm_source", "utm_medium", "note"],
        [
            ["L1", "2026-01-10T09:00:00Z", "a@example.com", "Enterprise", " Google ", "CPC", "x"],
            ["L2", "2026-01-31T23:30:00", "b@example.com", "small", "", "", ""],
            ["L3", "2026-01-15T10:00:00+03:00", "", "weird", "facebook", "paid_social", ""],
            ["L4", "not-a-time", "d@example.com", "small", "", "", ""],
        ],
    )
    # The next day's export re-sends L1 with its segment and source corrected.
    write_csv(
        landing / "crm/leads/2026-01-11.csv",
        ["lead_id", "created_at", "segment", "utm_source", "utm_medium"],
        [
            ["L1", "2026-01-10T09:00:00Z", " MIDDLE ", "newsletter", "email"],
            ["", "2026-01-11", "", "", ""],
        ],
    )
    (landing / "crm/lead_events.csv").write_text(
        "event_id,lead_id,stage,occurred_at,user_id\n"
        "E1,L1,MQL,2026-01-10T10:00:00Z,U1\n"
        "E2,L1, sql ,2026-01-12T10:00:00Z,U1\n"
        "E3,L2,qualified,2026-02-01T00:00:00Z,U1\n"
        "E4,L3,sql,2026-01-16T10:00:00Z,\n"
        "E4,L3,sql,2026-01-16T11:00:00Z,U1\n"
        "E5,L3,accepted,2026-01-17T10:00:00Z,U2,extra\n",
        encoding="utf-8",
    )
    write_csv(
        landing / "crm/deals.csv",
        [
            "deal_id",
            "lead_id",
            "owner_id",
            "created_at",
            "status",
            "closed_at",
            "amount",
            "currency",
        ],
        [
            [
                "D1",
                "L1",
                "U2",
                "2026-01-13T10:00:00Z",
                " Won ",
                "2026-01-20T10:00:00Z",
                "1000.50",
                "eur",
            ],
            ["D2", "", "U2", "2026-01-14T10:00:00Z", "open", "", "", ""],
            ["D3", "L3", "U2", "2026-01-18", "lost", "2026-01-25T00:00:00Z", "-5", "USD"],
        ],
    )
    write_csv(
        landing / "crm/activities.csv",
        ["activity_id", "lead_id", "deal_id", "user_id", "type", "occurred_at"],
        [["A1", "L1", "D1", "U2", "Call", "2026-01-12T11:00:00Z"]],
    )
    write_csv(
        landing / "crm/users.csv",
        ["user_id", "name", "team", "segment"],
        [["U1", "Mia", "marketing", ""], ["U2", "Sam", "Sales", "enterprise"]],
    )
    write_csv(
        landing / "ads/google_ads.csv",
        [
            "segments_date",
            "campaign_id",
            "campaign_name",
            "metrics_impressions",
            "metrics_clicks",
            "metrics_cost_micros",
            "customer_currency_code",
        ],
        [["2026-01-10", "C1", "brand", "100", "10", "1234567", "usd"]],
    )
    write_csv(
        landing / "ads/yandex_direct/2026-01-10.csv",
        ["Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost", "Currency"],
        [["2026-01-10", "Y1", "brand", "5", "1", "5000000", "RUB"]],
    )
    (landing / "payments").mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select * from (values
                ('P1', 'D1', '2026-01-20T10:00:00Z', '500.25', 'EUR', 'succeeded', 'payment'),
                ('P2', '', '2026-01-21T00:00:00+03:00', '10', 'usd', 'SUCCEEDED', 'Refund'))
                as p(payment_id, deal_id, paid_at, amount, currency, status, kind))
            to '{landing / "payments/payments.parquet"}' (format parquet)"""
        )
    write_csv(
        landing / "finance/fx_rates.csv",
        ["date", "currency", "rate_to_base"],
        [["2026-01-19", "EUR", "1.1"], ["2026-01-20", "RUB", "0"], ["2026-01-09", "RUB", "0.011"]],
    )
    write_csv(
        landing / "finance/plans.csv",
        ["month", "segment", "metric", "plan_value"],
        [["2026-01", "all", "sql", "10"]],
    )
    return landing


@pytest.fixture(scope="module")
def hand_made_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hand_made")
    landing = hand_made_landing(base / "landing")
    warehouse = base / "warehouse.duckdb"
    status = main(
        ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-01-31"]
    )
    # raw and staging live in the candidate; readers get only the published marts and facts
    return status, Settings(warehouse=warehouse).candidate


def test_run_succeeds(hand_made_run):
    status, _ = hand_made_run
    assert status == 0


def test_leads_are_staged_exactly(hand_made_run):
    _, warehouse = hand_made_run
    rows = query(
        warehouse,
        "select lead_id, created_at, email, segment, utm_source, utm_medium, note, _landing_file"
        " from staging.stg_crm__leads order by lead_id",
    )
    assert rows == [
        # L1 as the later file sent it: corrected segment and source, no note column there.
        (
            "L1",
            datetime(2026, 1, 10, 9),
            None,
            "middle",
            "newsletter",
            "email",
            None,
            "crm/leads/2026-01-11.csv",
        ),
        # A naive timestamp is UTC.
        (
            "L2",
            datetime(2026, 1, 31, 23, 30),
            "b@example.com",
            "small",
            None,
            None,
            None,
            "crm/leads/2026-01-10.csv",
        ),
        # An offset timestamp is converted to UTC; an unknown segment becomes `unknown`.
        (
            "L3",
            datetime(2026, 1, 15, 7),
            None,
            "unknown",
            "facebook",
            "paid_social",
            None,
            "crm/leads/2026-01-10.csv",
        ),
    ]


def test_events_deals_and_users_are_normalised(hand_made_run):
    _, warehouse = hand_made_run
    assert query(
        warehouse,
        "select event_id, crm_stage, occurred_at, user_id from staging.stg_crm__lead_events"
        " order by event_id",
    ) == [
        ("E1", "mql", datetime(2026, 1, 10, 10), "U1"),
        ("E2", "sql", datetime(2026, 1, 12, 10), "U1"),
        # Sent twice in one file: the later line wins.
        ("E4", "sql", datetime(2026, 1, 16, 11), "U1"),
    ]
    assert query(
        warehouse,
        "select deal_id, lead_id, status, closed_at, amount, currency"
        " from staging.stg_crm__deals order by deal_id",
    ) == [
        ("D1", "L1", "won", datetime(2026, 1, 20, 10), Decimal("1000.50"), "EUR"),
        ("D2", None, "open", None, None, None),
    ]
    assert query(
        warehouse, "select user_id, team, segment from staging.stg_crm__users order by user_id"
    ) == [("U1", "marketing", "unknown"), ("U2", "sales", "enterprise")]
    assert query(warehouse, "select activity_type from staging.stg_crm__activities") == [("call",)]


def test_spend_micros_and_payments(hand_made_run):
    _, warehouse = hand_made_run
    assert query(
        warehouse,
        "select spend_date, campaign_id, spend, currency from staging.stg_ads__google_ads"
        " union all select spend_date, campaign_id, spend, currency"
        " from staging.stg_ads__yandex_direct order by 2",
    ) == [
        (date(2026, 1, 10), "C1", Decimal("1.234567"), "USD"),
        (date(2026, 1, 10), "Y1", Decimal("5"), "RUB"),
    ]
    assert query(warehouse, "select count(*) from staging.stg_ads__meta_ads") == [(0,)]
    assert query(
        warehouse,
        "select payment_id, deal_id, paid_at, amount, currency, status, payment_kind"
        " from staging.stg_payments__payments order by payment_id",
    ) == [
        ("P1", "D1", datetime(2026, 1, 20, 10), Decimal("500.25"), "EUR", "succeeded", "payment"),
        ("P2", None, datetime(2026, 1, 20, 21), Decimal("10"), "USD", "succeeded", "refund"),
    ]
    assert query(
        warehouse,
        "select rate_date, currency, rate_to_base from staging.stg_finance__fx_rates order by 2",
    ) == [(date(2026, 1, 19), "EUR", Decimal("1.1")), (date(2026, 1, 9), "RUB", Decimal("0.011"))]
    assert query(
        warehouse, "select plan_month, segment, metric, plan_value from staging.stg_finance__plans"
    ) == [(date(2026, 1, 1), "all", "sql", Decimal("10"))]


def test_bad_rows_are_quarantined_with_reasons(hand_made_run):
    _, warehouse = hand_made_run
    assert query(
        warehouse,
        "select entity, landing_file, landing_line, column_name, reason from raw.quarantine"
        " order by entity, landing_file, landing_line",
    ) == [
        ("crm/deals", "crm/deals.csv", 4, "amount", "negative amount"),
        ("crm/lead_events", "crm/lead_events.csv", 4, "stage", "unknown stage value"),
        ("crm/lead_events", "crm/lead_events.csv", 7, None, "malformed line: too many columns"),
        ("crm/leads", "crm/leads/2026-01-10.csv", 5, "created_at", "unparseable timestamp"),
        ("crm/leads", "crm/leads/2026-01-11.csv", 3, "lead_id", "empty key"),
        ("finance/fx_rates", "finance/fx_rates.csv", 3, "rate_to_base", "non-positive rate"),
    ]
    log = {
        row[0]: row[1:]
        for row in query(
            warehouse,
            "select entity, rows_read, rows_staged, rows_quarantined, rows_replaced, records"
            " from raw.ingestion_log",
        )
    }
    assert log["crm/leads"] == (6, 4, 2, 1, 3)
    assert log["crm/lead_events"] == (6, 4, 2, 1, 3)
    assert log["ads/meta_ads"] == (0, 0, 0, 0, 0)


def test_summary_is_printed(tmp_path, capsys):
    landing = hand_made_landing(tmp_path / "landing")
    status = main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb")])
    out = capsys.readouterr().out
    assert status == 0
    leads_line = next(line for line in out.splitlines() if line.strip().startswith("crm/leads "))
    # files, read in this run (all: a first load), rows read, staged, quarantined, replaced,
    # records
    assert leads_line.split() == ["crm/leads", "2", "2", "6", "4", "2", "1", "3"]
    assert "ingest_crm" in out and "dbt_build" in out and "validate_revenue" in out
    assert f"published {tmp_path / 'w.duckdb'}" in out


def test_missing_required_column_fails_naming_file_and_column(minimal_landing, capsys):
    write_csv(minimal_landing / "crm/users.csv", ["user_id", "name"], [["U1", "Mia"]])
    warehouse = minimal_landing.parent / "w.duckdb"
    status = main(["run", "--landing", str(minimal_landing), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAILED" in out
    assert "crm/users.csv: missing required column team" in out


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    from orchestration.lib.generator import generate

    base = tmp_path_factory.mktemp("generated")
    generate(base / "landing", leads=1500, months=4, seed=11, end=date(2026, 10, 31))
    settings = Settings(
        landing=base / "landing",
        warehouse=base / "warehouse.duckdb",
        timezone="Europe/Moscow",
        as_of=date(2026, 10, 20),
    )
    return settings, run_pipeline(settings)


def test_generated_data_runs_and_every_row_is_accounted_for(generated_run):
    settings, report = generated_run
    assert report.succeeded, report.failures
    loads = {load.entity: load for load in report.loads}
    assert set(loads) == {e.path for e in ENTITIES}
    for e in ENTITIES:
        load = loads[e.path]
        assert load.rows_read == load.rows_staged + load.rows_quarantined, e.path
        assert load.rows_staged == load.records + load.rows_replaced, e.path
        assert load.rows_read > 0, e.path
        staged = query(settings.candidate, f"select count(*) from staging.stg_{e.table}")[0][0]
        assert staged == load.records, e.path
    assert sum(load.rows_quarantined for load in loads.values()) > 0
    assert sum(load.rows_replaced for load in loads.values()) > 0


def test_generated_sqls_total_the_same_by_creation_and_by_handover(generated_run):
    settings, _ = generated_run
    (by_creation, by_handover, handover_mart, handovers) = query(
        settings.candidate,
        """select
            (select sum(sql_count_by_creation) from marts.attribution_transition_monthly),
            (select sum(sql_count_by_handover) from marts.attribution_transition_monthly),
            (select sum(sql_count) from marts.sql_by_handover_monthly),
            (select count(*) from core.fct_handovers)""",
    )[0]
    assert by_creation == by_handover == handover_mart == handovers > 100


# Revenue recomputed from staging with its own as-of rate lookup (the latest rate on or
# before the payment's day in the reporting time zone), then grouped as the mart groups.
INDEPENDENT_REVENUE = """
with payments as (
    select payment_id, amount, upper(currency) as currency, payment_kind,
        cast(timezone(?, timezone('UTC', paid_at)) as date) as paid_date
    from staging.stg_payments__payments
    where status = 'succeeded'
),
converted as (
    select payment_id, paid_date,
        case when payment_kind = 'refund' then -1 else 1 end * amount * case
            when currency = ? then 1
            else (select rate_to_base from staging.stg_finance__fx_rates as r
                  where upper(r.currency) = payments.currency and r.rate_date <= paid_date
                  order by r.rate_date desc limit 1)
        end as revenue
    from payments
    where paid_date <= ?
)
select cast(date_trunc('month', converted.paid_date) as date) as month, f.segment, f.channel,
    round(sum(converted.revenue), 2) as revenue
from converted join core.fct_payments as f using (payment_id)
group by all order by all
"""

INDEPENDENT_SPEND = """
with spend as (
    select spend_date, 'paid_search' as channel, spend, upper(currency) as currency
    from staging.stg_ads__google_ads
    union all select spend_date, 'paid_search', spend, upper(currency) from staging.stg_ads__yandex_direct
    union all select spend_date, 'paid_social', spend, upper(currency) from staging.stg_ads__meta_ads
    union all select cost_month, channel, amount, upper(currency) from staging.stg_finance__marketing_costs
),
converted as (
    select spend_date, channel, spend * case
            when currency = ? then 1
            else (select rate_to_base from staging.stg_finance__fx_rates as r
                  where upper(r.currency) = spend.currency and r.rate_date <= spend_date
                  order by r.rate_date desc limit 1)
        end as spend_base
    from spend
    where spend_date <= ?
)
select cast(date_trunc('month', spend_date) as date) as month, channel, round(sum(spend_base), 2)
from converted group by all having round(sum(spend_base), 2) <> 0 order by all
"""


def test_generated_revenue_reconciles_to_the_cent(generated_run):
    settings, _ = generated_run
    expected = query(
        settings.candidate,
        INDEPENDENT_REVENUE,
        [settings.timezone, settings.base_currency, settings.as_of],
    )
    published = query(
        settings.candidate,
        "select month, segment, channel, revenue from marts.revenue_by_payment_monthly"
        " order by all",
    )
    assert published == expected
    assert len(published) > 20


def test_generated_spend_reconciles_with_platforms_and_costs(generated_run):
    settings, _ = generated_run
    expected = query(
        settings.candidate, INDEPENDENT_SPEND, [settings.base_currency, settings.as_of]
    )
    published = query(
        settings.candidate,
        "select month, channel, spend from marts.channel_economics_monthly"
        " where spend <> 0 order by all",
    )
    assert published == expected
    assert len(published) > 5


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")


def landing_contacts(landing: Path) -> tuple[set[str], set[str]]:
    emails, phones = set(), set()
    for path in sorted((landing / "crm").glob("leads*/**/*.csv")) + sorted(
        (landing / "crm").glob("leads*.csv")
    ):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if (row.get("email") or "").strip():
                    emails.add(row["email"].strip().lower())
                digits = re.sub(r"\D", "", row.get("phone") or "")
                if len(digits) >= 8:
                    phones.add(digits)
    return emails, phones


def leaked(text: str, emails: set[str], phones: set[str]) -> set[str]:
    found = {m.lower() for m in EMAIL.findall(text)} & emails
    found |= {re.sub(r"\D", "", m) for m in PHONE.findall(text)} & phones
    return found


def test_no_contact_detail_reaches_what_readers_see(generated_run):
    """E-mails and phones of the input appear nowhere past staging: not in any published
    table, not in the Parquet files, not in Data Docs or the validation results."""
    settings, report = generated_run
    assert report.succeeded, report.failures
    emails, phones = landing_contacts(settings.landing)
    assert len(emails) > 500 and len(phones) > 500

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert {schema for schema, _ in tables} == {"marts", "core", "audit"}
        for schema, table in tables:
            rows = con.execute(f"select * from {schema}.{table}").fetchall()
            text = "\n".join("\t".join(str(v) for v in row) for row in rows)
            assert not leaked(text, emails, phones), f"{schema}.{table}"
        hashed = con.execute("select count(email_hash) from core.fct_leads").fetchone()[0]
    assert hashed > 500

    folders = [settings.data_docs, settings.validation_results, parquet_dir(settings.warehouse)]
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        if "static" in path.parts:
            continue
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                rows = con.execute(f"select * from read_parquet('{path}')").fetchall()
            text = "\n".join("\t".join(str(v) for v in row) for row in rows)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        assert not leaked(text, emails, phones), path
    # the hashes are salted: a plain SHA-256 of an address matches nothing
    plain = hashlib.sha256(sorted(emails)[0].encode()).hexdigest()
    assert not query(
        settings.warehouse, "select 1 from core.fct_leads where email_hash = ?", [plain]
    )
