"""The landing-data generator: deterministic, complete, realistic, and messy the way exports are."""

from __future__ import annotations

import csv
import hashlib
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.entities import (
    ACTIVITY_TYPES,
    DEAL_STATUSES,
    ENTITIES,
    Kind,
    crm_stage_names,
    entity,
)
from orchestration.lib.generator import (
    CHANNELS,
    DAILY_DROP_ENTITIES,
    PARQUET_ENTITIES,
    GenerationSummary,
    default_end,
    generate,
)

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
END = date(2026, 3, 31)
START = date(2026, 1, 1)
LEADS = 2_000
MONTHS = 3
SEED = 11


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("landing")
    return out, generate(out, leads=LEADS, months=MONTHS, seed=SEED, end=END)


@pytest.fixture(scope="module")
def out(landing) -> Path:
    return landing[0]


# -- reading the landing directory as a reader that knows nothing of the generator would -------


def files_of(out: Path, path: str) -> list[Path]:
    folder = out / path
    if folder.is_dir():
        return sorted(folder.glob("*.csv"))
    return [p for p in (Path(f"{folder}.csv"), Path(f"{folder}.parquet")) if p.exists()]


def header_of(file: Path) -> list[str]:
    if file.suffix == ".parquet":
        return [row[0] for row in duckdb.sql(f"DESCRIBE SELECT * FROM '{file}'").fetchall()]
    with file.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def read(out: Path, path: str) -> tuple[list[dict], int]:
    """Rows of well-shaped lines (each with its `_file`), and the number of misshapen lines."""
    rows, misshapen = [], 0
    for file in files_of(out, path):
        if file.suffix == ".parquet":
            rel = duckdb.sql(f"SELECT * FROM '{file}'")
            names = rel.columns
            for values in rel.fetchall():
                rows.append({**dict(zip(names, values, strict=True)), "_file": file.name})
            continue
        with file.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if None in row or None in row.values():
                    misshapen += 1
                else:
                    rows.append({**row, "_file": file.name})
    return rows, misshapen


def latest(rows: list[dict], key: str) -> dict[str, dict]:
    """Replacement as SPEC §1 has it: a key's row in a later file wins."""
    result: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["_file"]):
        if row[key]:
            result[row[key]] = row
    return result


def norm(value: object) -> str:
    return str(value or "").strip().lower()


def instant(value: str) -> datetime | None:
    """An ISO-8601 timestamp as a UTC moment (naive means UTC), or None if unparseable."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def number(value: object) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def channel_map() -> list[tuple[str, str, str]]:
    with (SEEDS_DIR / "channel_map.csv").open(newline="", encoding="utf-8") as f:
        rules = sorted(csv.DictReader(f), key=lambda r: int(r["priority"]))  # stable: file order
    return [(r["utm_source"], r["utm_medium"], r["channel"]) for r in rules]


def channel_of(source: str | None, medium: str | None, rules) -> str:
    source, medium = norm(source), norm(medium)

    def matches(pattern: str, value: str) -> bool:
        return pattern == "*" or (pattern == "(empty)" and value == "") or pattern == value

    for rule_source, rule_medium, channel in rules:
        if matches(rule_source, source) and matches(rule_medium, medium):
            return channel
    return "other"


def sha256_of_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# -- determinism and layout --------------------------------------------------------------------


def test_same_seed_writes_byte_identical_files(out, tmp_path):
    generate(tmp_path, leads=LEADS, months=MONTHS, seed=SEED, end=END)
    first, second = sha256_of_tree(out), sha256_of_tree(tmp_path)
    assert len(first) > 100  # daily drops of four CRM entities over three months
    assert first == second


def test_another_seed_writes_different_files(out, tmp_path):
    generate(tmp_path, leads=LEADS, months=MONTHS, seed=SEED + 1, end=END)
    first, second = sha256_of_tree(out), sha256_of_tree(tmp_path)
    for path in ("crm/users.csv", "payments/payments.parquet", "finance/fx_rates.csv"):
        assert first[path] != second[path]
    assert sum(first.get(p) != digest for p, digest in second.items()) > 0.9 * len(second)


def test_every_entity_is_written_in_its_layout(out):
    for ent in ENTITIES:
        files = files_of(out, ent.path)
        assert files, f"{ent.path} missing"
        if ent.path in DAILY_DROP_ENTITIES:
            assert (out / ent.path).is_dir()
            assert all(date.fromisoformat(f.stem) <= END for f in files)
        elif ent.path in PARQUET_ENTITIES:
            assert files == [out / f"{ent.path}.parquet"]
        else:
            assert files == [out / f"{ent.path}.csv"]


def test_every_file_has_the_entity_columns(out):
    for ent in ENTITIES:
        for file in files_of(out, ent.path):
            header = header_of(file)
            assert set(ent.required_columns) <= set(header), file
            assert header == [c.name for c in ent.columns], file


def test_summary_counts_the_rows_written(landing):
    out, summary = landing
    assert summary.out == out
    assert (summary.start, summary.end) == (START, END)
    assert list(summary.rows) == [e.path for e in ENTITIES]
    for ent in ENTITIES:
        rows, misshapen = read(out, ent.path)
        assert summary.rows[ent.path] == len(rows) + misshapen, ent.path
    assert summary.rows["crm/leads"] > LEADS  # re-sent rows come on top of every lead once
    assert "crm/leads" in summary.describe()


def test_default_end_is_the_last_day_of_the_previous_month():
    assert default_end(date(2026, 3, 15)) == date(2026, 2, 28)
    assert default_end(date(2026, 1, 1)) == date(2025, 12, 31)


def test_rejects_an_empty_run(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, leads=0)
    with pytest.raises(ValueError):
        generate(tmp_path, months=0)


def test_nothing_is_dated_outside_the_window(out):
    first = datetime(START.year, START.month, START.day, tzinfo=UTC)
    last = datetime(END.year, END.month, END.day, tzinfo=UTC) + timedelta(days=1)
    months = {f"{START.year}-{m:02d}" for m in range(START.month, END.month + 1)}
    checked = 0
    for ent in ENTITIES:
        rows, _ = read(out, ent.path)
        for col in ent.columns:
            for row in rows:
                value = row[col.name]
                if col.kind is Kind.TIMESTAMP and (moment := instant(value)) is not None:
                    assert first <= moment < last, (ent.path, col.name, value)
                    checked += 1
                elif col.kind is Kind.DATE and value:
                    day = value if isinstance(value, date) else date.fromisoformat(value)
                    # Rates start a little earlier so the first days have one to fall back on.
                    assert day <= END and (ent.path == "finance/fx_rates" or day >= START)
                elif col.kind is Kind.MONTH:
                    assert value in months
    assert checked > 5_000


# -- realism ------------------------------------------------------------------------------------


def test_every_utm_pair_maps_to_its_channel_through_the_seed():
    rules = channel_map()
    for channel in CHANNELS:
        for utm in channel.utm:
            assert channel_of(utm.source, utm.medium, rules) == channel.name, utm


def leads_by_channel(out: Path) -> tuple[dict[str, dict], dict[str, str]]:
    leads = latest(read(out, "crm/leads")[0], "lead_id")
    rules = channel_map()
    channel = {lid: channel_of(r["utm_source"], r["utm_medium"], rules) for lid, r in leads.items()}
    return leads, channel


def sql_events(out: Path) -> dict[str, list[datetime]]:
    events = latest(read(out, "crm/lead_events")[0], "event_id")
    handovers: dict[str, list[datetime]] = defaultdict(list)
    for event in events.values():
        if norm(event["stage"]) == "sql" and (moment := instant(event["occurred_at"])):
            handovers[event["lead_id"]].append(moment)
    return handovers


def test_weekends_bring_fewer_leads(out):
    leads, _ = leads_by_channel(out)
    per_day = Counter(m.date() for r in leads.values() if (m := instant(r["created_at"])))
    weekend = [n for d, n in per_day.items() if d.weekday() >= 5]
    weekday = [n for d, n in per_day.items() if d.weekday() < 5]
    assert statistics.mean(weekend) < 0.5 * statistics.mean(weekday)


def test_channels_differ_in_volume_and_quality(out):
    leads, channel = leads_by_channel(out)
    volume = Counter(channel.values())
    assert volume.most_common(1)[0][0] == "paid_search"
    assert {"direct", "other", "referral", "events"} <= set(volume)
    assert volume["referral"] < 0.3 * volume["paid_search"]
    handed = sql_events(out)

    def sql_rate(name: str) -> float:
        ids = [lid for lid, c in channel.items() if c == name]
        return sum(lid in handed for lid in ids) / len(ids)

    assert sql_rate("referral") > 2 * sql_rate("paid_search")
    assert sql_rate("paid_search") > sql_rate("paid_social")
    raw_sources = {r["utm_source"] for r in leads.values()}
    assert " Google " in raw_sources  # spelled as people type it, mapped all the same


def test_segments_differ_in_deal_size_and_cycle(out):
    leads, _ = leads_by_channel(out)
    deals = latest(read(out, "crm/deals")[0], "deal_id")
    amounts, cycles = defaultdict(list), defaultdict(list)
    for deal in deals.values():
        segment = norm(leads.get(deal["lead_id"], {}).get("segment"))
        amount = number(deal["amount"])
        if norm(deal["currency"]) == "usd" and amount is not None:
            amounts[segment].append(amount)
        created, closed = instant(deal["created_at"]), instant(deal["closed_at"])
        if created and closed:
            cycles[segment].append((closed - created).days)
    median = {s: statistics.median(v) for s, v in amounts.items() if v}
    assert median["enterprise"] > 2 * median["middle"] > 2 * median["small"]
    assert statistics.median(cycles["enterprise"]) > 2 * statistics.median(cycles["small"])
    segments = {norm(r["segment"]) for r in leads.values()}
    assert {"enterprise", "middle", "small", ""} <= segments
    assert segments - {"enterprise", "middle", "small", ""}  # odd values that mean `unknown`


def test_handovers_lag_creation_across_month_boundaries(out):
    leads, _ = leads_by_channel(out)
    handed = sql_events(out)
    later_month = 0
    for lead_id, moments in handed.items():
        created = instant(leads.get(lead_id, {}).get("created_at"))
        if created:
            handover = min(moments)
            later_month += (handover.year, handover.month) > (created.year, created.month)
    assert later_month > 0.15 * len(handed)
    # Rejected leads that were nurtured come back with a second sql event.
    assert sum(len(m) > 1 for m in handed.values()) >= 2


def test_some_deals_come_without_an_sql_event(out):
    handed = sql_events(out)
    deals = latest(read(out, "crm/deals")[0], "deal_id")
    deal_leads = {d["lead_id"] for d in deals.values() if d["lead_id"]}
    implicit = deal_leads - set(handed)
    assert 0.02 * len(deal_leads) < len(implicit) < 0.2 * len(deal_leads)
    assert any(not d["lead_id"] for d in deals.values())  # keyed in without a lead
    statuses = Counter(norm(d["status"]) for d in deals.values())
    assert statuses["won"] > 0 and statuses["lost"] > 0 and statuses["open"] > 0
    for deal in deals.values():
        if norm(deal["status"]) == "lost":
            assert deal["lost_reason"]
        if norm(deal["status"]) == "open":
            assert not deal["closed_at"]


def test_payments_have_instalments_refunds_failures_and_orphans(out):
    payments, _ = read(out, "payments/payments")
    deals = latest(read(out, "crm/deals")[0], "deal_id")
    kinds = Counter((norm(p["kind"]), norm(p["status"])) for p in payments)
    assert kinds[("refund", "succeeded")] > 0
    assert kinds[("payment", "failed")] > 0
    assert kinds[("payment", "pending")] > 0
    succeeded = [p for p in payments if norm(p["status"]) == "succeeded"]
    share_of_deal = [
        number(p["amount"]) / number(deals[p["deal_id"]]["amount"])
        for p in succeeded
        if norm(p["kind"]) == "payment"
        and p["deal_id"] in deals
        and number(p["amount"])
        and number(deals[p["deal_id"]]["amount"])
    ]
    assert any(share == 1 for share in share_of_deal)  # paid at once
    assert any(share < 0.6 for share in share_of_deal)  # an instalment
    assert any(not p["deal_id"] for p in payments)
    assert any(p["deal_id"] and p["deal_id"] not in deals for p in payments)
    refunds = [p for p in succeeded if norm(p["kind"]) == "refund"]
    assert all(number(p["amount"]) > 0 for p in refunds if number(p["amount"]) is not None)
    currencies = {norm(p["currency"]) for p in payments}
    assert len(currencies) >= 3


def test_activities_follow_handover_within_hours(out):
    activities = latest(read(out, "crm/activities")[0], "activity_id")
    handed = sql_events(out)
    first_touch: dict[str, datetime] = {}
    for activity in activities.values():
        moment = instant(activity["occurred_at"])
        if moment and activity["lead_id"] in handed:
            lead = activity["lead_id"]
            first_touch[lead] = min(moment, first_touch.get(lead, moment))
    lags = [(t - min(handed[lead])).total_seconds() / 3600 for lead, t in first_touch.items()]
    assert len(lags) > 100
    assert statistics.median(lags) < 24
    assert {norm(a["type"]) for a in activities.values()} >= set(ACTIVITY_TYPES)


def test_ids_link_across_entities(out):
    leads = latest(read(out, "crm/leads")[0], "lead_id")
    deals = latest(read(out, "crm/deals")[0], "deal_id")
    users = latest(read(out, "crm/users")[0], "user_id")
    # A lead or deal whose only row is malformed is missing: that is a handful, no more.
    event_leads = {e["lead_id"] for e in read(out, "crm/lead_events")[0] if e["lead_id"]}
    assert len(event_leads - set(leads)) < 0.01 * len(event_leads)
    deal_leads = {d["lead_id"] for d in deals.values() if d["lead_id"]}
    assert len(deal_leads - set(leads)) < 0.02 * len(deal_leads)
    activity_deals = {a["deal_id"] for a in read(out, "crm/activities")[0] if a["deal_id"]}
    assert len(activity_deals - set(deals)) < 0.02 * len(activity_deals)

    sales = {u for u, row in users.items() if norm(row["team"]) == "sales"}
    marketing = {u for u, row in users.items() if norm(row["team"]) == "marketing"}
    assert {d["owner_id"] for d in deals.values()} <= sales
    assert {r["marketer_id"] for r in leads.values() if r["marketer_id"]} <= marketing

    linked = [p["deal_id"] for p in read(out, "payments/payments")[0] if p["deal_id"]]
    dangling = [deal_id for deal_id in linked if deal_id not in deals]
    assert 0 < len(dangling) < 0.1 * len(linked)


def test_ad_campaigns_mostly_match_lead_campaigns(out):
    leads, _ = leads_by_channel(out)
    lead_campaigns = {r["utm_campaign"] for r in leads.values() if r["utm_campaign"]}
    names = set()
    for path, column in (
        ("ads/google_ads", "campaign_name"),
        ("ads/meta_ads", "campaign_name"),
        ("ads/yandex_direct", "CampaignName"),
    ):
        names |= {r[column] for r in read(out, path)[0]}
    matched = names & lead_campaigns
    assert len(matched) > 0.7 * len(names)
    assert names - lead_campaigns  # spend no lead names
    assert lead_campaigns - names  # leads from campaigns with no ad data


def test_fx_rates_skip_weekends_and_walk(out):
    rates, _ = read(out, "finance/fx_rates")
    assert all(date.fromisoformat(r["date"]).weekday() < 5 for r in rates)
    by_currency = defaultdict(list)
    for r in rates:
        if (rate := number(r["rate_to_base"])) and rate > 0:
            by_currency[r["currency"]].append(rate)
    assert set(by_currency) == {"EUR", "GBP", "RUB"}
    for series in by_currency.values():
        assert len(set(series)) > 0.9 * len(series)
        assert max(series) / min(series) < 1.5


def test_plans_cover_every_month_segment_and_metric(out):
    plans, _ = read(out, "finance/plans")
    keys = {(r["month"], norm(r["segment"]), norm(r["metric"])) for r in plans}
    assert len(keys) == len(plans) == MONTHS * 4 * 2
    assert all(number(r["plan_value"]) > 0 for r in plans)


def test_marketing_costs_come_in_several_currencies(out):
    costs, _ = read(out, "finance/marketing_costs")
    assert {"events", "organic_search"} <= {r["channel"] for r in costs}
    assert len({norm(r["currency"]) for r in costs}) >= 2


# -- the mess of real exports -------------------------------------------------------------------


def test_crm_rows_are_resent_in_later_drops(out):
    for path, key in (("crm/leads", "lead_id"), ("crm/deals", "deal_id")):
        files_per_key = defaultdict(set)
        for row in read(out, path)[0]:
            files_per_key[row[key]].add(row["_file"])
        assert sum(len(f) > 1 for f in files_per_key.values()) > 10, path

    deal_rows = defaultdict(list)
    for row in sorted(read(out, "crm/deals")[0], key=lambda r: r["_file"]):
        deal_rows[row["deal_id"]].append(norm(row["status"]))
    assert any(s[0] == "open" and s[-1] == "won" for s in deal_rows.values())

    lead_rows = defaultdict(list)
    for row in sorted(read(out, "crm/leads")[0], key=lambda r: r["_file"]):
        if row["lead_id"]:
            lead_rows[row["lead_id"]].append(row)
    fixed = [
        v
        for v in lead_rows.values()
        if len(v) > 1 and norm(v[0]["segment"]) != norm(v[-1]["segment"])
    ]
    assert fixed and all(not v[0]["segment"] for v in fixed)

    event_files = defaultdict(set)
    for row in read(out, "crm/lead_events")[0]:
        event_files[row["event_id"]].add(row["_file"])
    assert any(len(f) > 1 for f in event_files.values())


def test_exports_mix_timestamp_forms_case_and_currency_spelling(out):
    events, _ = read(out, "crm/lead_events")
    stamps = [e["occurred_at"] for e in events]
    assert any(s.endswith("Z") for s in stamps)
    assert any(s[-6] in "+-" and s[-3] == ":" for s in stamps)
    assert any(" " in s and instant(s) is not None for s in stamps)
    deals, _ = read(out, "crm/deals")
    assert any(
        d["status"] != norm(d["status"]) and norm(d["status"]) in DEAL_STATUSES for d in deals
    )
    payments, _ = read(out, "payments/payments")
    assert any(p["currency"] and p["currency"].islower() for p in payments)
    assert any(p["status"] != norm(p["status"]) for p in payments)


def malformed_reasons(out: Path, path: str) -> tuple[Counter, int]:
    """What a strict reader would quarantine in an entity's files, and the rows it would read."""
    stage_names = tuple(crm_stage_names(SEEDS_DIR))
    ent = entity(path)
    rows, misshapen = read(out, path)
    reasons: Counter = Counter({"wrong number of fields": misshapen})
    for row in rows:
        for col in ent.columns:
            value = row[col.name]
            if (col.required or col.name in ent.key) and value in ("", None):
                reasons["empty required value"] += 1
            elif col.kind is Kind.TIMESTAMP and value and instant(value) is None:
                reasons["unparseable timestamp"] += 1
            elif col.kind is Kind.ENUM and value and norm(value) not in (col.values or stage_names):
                reasons["unknown enum value"] += 1
            elif col.kind in (Kind.MONEY, Kind.RATE) and value not in ("", None):
                amount = number(value)
                if amount is None:
                    reasons["non-numeric amount"] += 1
                elif amount < 0 or (col.kind is Kind.RATE and amount == 0):
                    reasons["negative amount or zero rate"] += 1
    return +reasons, len(rows) + misshapen


def test_malformed_rows_are_rare_of_every_kind_and_counted_in_the_summary(landing):
    out, summary = landing
    seen: Counter = Counter()
    read_total = malformed_total = 0
    for ent in ENTITIES:
        reasons, total = malformed_reasons(out, ent.path)
        # The summary's count is exactly what ingestion has to quarantine.
        assert sum(reasons.values()) == sum(summary.malformed.get(ent.path, {}).values()), ent.path
        seen += reasons
        read_total += total
        malformed_total += sum(reasons.values())
    assert set(seen) == {
        "wrong number of fields",
        "empty required value",
        "unparseable timestamp",
        "unknown enum value",
        "non-numeric amount",
        "negative amount or zero rate",
    }
    assert 0.0005 * read_total < malformed_total < 0.005 * read_total
