"""The public Olist Marketing Funnel as a landing directory (SPEC §1).

"Marketing Funnel by Olist, Kaggle, CC BY-NC-SA 4.0": 8,000 marketing-qualified leads of a
Brazilian marketplace (one row each, with the day of first contact and the origin) and the
842 of them that became sellers (won deals, with the SDR who qualified the lead, the sales
representative who closed it, the won time and what the seller declared about itself).

The export has fewer facts than the contract asks for; the mapping below fills the gaps the
same way on every import and is written down in the README ("Try it on real data"):

* **Leads** — one per MQL, created at `first_contact_date` (midnight UTC), with one `mql`
  event at the same moment. `landing_page_id` becomes `utm_campaign`; `origin` is kept as an
  extra column.
* **Channel** — `origin` is turned into the utm pair that `seeds/channel_map.csv` resolves to
  the nearest channel (`ORIGIN_UTM`). Olist does not say which search engine or social
  network; Google and Facebook stand in for them.
* **Deals** — one won deal per closed deal (`deal_id` = `seller_id`), created and closed at
  `won_date` (the export has no creation time), owned by the sales representative (`sr_id`).
  There is no `sql` event, so the counting rules hand the lead over implicitly at the deal's
  creation: SQLs by handover are SQLs by won month. Leads without a closed deal have no deal
  (lost or still open: the export cannot tell).
* **Payments** — Olist has none. A won deal that declared a monthly revenue above zero is
  paid that amount once, in BRL, at its won time; the 797 deals that declared nothing are
  not paid. Revenue on this data is therefore "declared monthly revenue by won month".
* **Currency** — everything is in BRL: run with `--base-currency BRL`. `finance/fx_rates.csv`
  is written with its header only, so a run in another base currency is blocked by the fx
  coverage check until real rates are added, never converted at a made-up rate.
* **Users** — every SDR and sales representative; anyone who closed a deal is in team
  `sales`, the others (who only qualified leads) in `marketing`. 13 people appear in both
  roles. The SDR is the lead's `marketer_id`.
* **Segment** — Olist's `lead_type` describes the seller's size (`SEGMENT_OF_LEAD_TYPE`);
  `business_segment` is an industry and is kept as an extra column. Leads without a closed
  deal have no lead type and get segment `unknown`.
* **One known defect** — a deal won a day and a half before its lead's first contact. A handover
  before creation blocks publication, so its won time is moved to the first contact
  (`ImportSummary.won_moved_to_first_contact` lists such deals).
* **Activities** — none in the export: `crm/activities.csv` is header only.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.lib.entities import ENTITIES, entity

MQL_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"
CURRENCY = "BRL"
ATTRIBUTION = "Marketing Funnel by Olist, Kaggle, CC BY-NC-SA 4.0"

# origin → (utm_source, utm_medium); the comment is the channel seeds/channel_map.csv gives.
ORIGIN_UTM: Mapping[str, tuple[str, str]] = {
    "organic_search": ("google", "organic"),  # organic_search
    "paid_search": ("google", "cpc"),  # paid_search
    "social": ("facebook", "paid_social"),  # paid_social
    "email": ("olist", "email"),  # email
    "referral": ("olist", "referral"),  # referral
    "direct_traffic": ("", ""),  # direct
    "display": ("olist", "display"),  # other
    "other_publicities": ("olist", "other_publicities"),  # other
    "other": ("olist", "other"),  # other
    "unknown": ("olist", "unknown"),  # other
}
# An empty origin is not direct traffic (that is its own value): the channel is unknown.
UNKNOWN_ORIGIN_UTM = ("olist", "unknown")

# lead_type → segment; `other` and empty are `unknown`.
SEGMENT_OF_LEAD_TYPE: Mapping[str, str] = {
    "online_top": "enterprise",
    "online_big": "enterprise",
    "industry": "middle",
    "online_medium": "middle",
    "online_small": "small",
    "online_beginner": "small",
    "offline": "small",
}


class OlistError(ValueError):
    """The source folder does not hold the Olist files as published."""


@dataclass
class ImportSummary:
    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    won_moved_to_first_contact: list[str] = field(default_factory=list)


def utm_of(origin: str | None) -> tuple[str, str]:
    """The utm_source/utm_medium pair standing for an Olist `origin`."""
    key = (origin or "").strip().lower()
    return ORIGIN_UTM.get(key, UNKNOWN_ORIGIN_UTM)


def segment_of(lead_type: str | None) -> str:
    return SEGMENT_OF_LEAD_TYPE.get((lead_type or "").strip().lower(), "unknown")


def won_timestamp(won_date: str) -> datetime:
    """`2018-02-26 19:58:54` (UTC, as exported) as a datetime."""
    return datetime.fromisoformat(won_date.strip())


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def declared_revenue(value: str | None) -> str | None:
    """The declared monthly revenue as a plain decimal, or None when empty or not above zero."""
    text = (value or "").strip()
    if not text:
        return None
    amount = float(text)
    if amount <= 0:
        return None
    return f"{amount:.2f}"


def read_source(folder: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The MQL rows and the closed-deal rows, as the csv module reads them."""
    tables = []
    for name, columns in (
        (MQL_FILE, {"mql_id", "first_contact_date", "landing_page_id", "origin"}),
        (DEALS_FILE, {"mql_id", "seller_id", "sdr_id", "sr_id", "won_date", "lead_type"}),
    ):
        path = folder / name
        if not path.is_file():
            raise OlistError(f"{path}: not found (expected the Olist Marketing Funnel files)")
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = columns - set(reader.fieldnames or ())
            if missing:
                raise OlistError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            tables.append(list(reader))
    return tables[0], tables[1]


def landing_tables(
    mqls: Iterable[Mapping[str, str]], closed: Iterable[Mapping[str, str]]
) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """The landing entities as rows keyed by column name, and the deals whose won time was
    moved to the first contact because it came before it."""
    mqls = list(mqls)
    closed = list(closed)
    deal_of_lead = {d["mql_id"]: d for d in closed}
    first_contact = {m["mql_id"]: datetime.fromisoformat(m["first_contact_date"]) for m in mqls}
    unknown = sorted(set(deal_of_lead) - set(first_contact))
    if unknown:
        raise OlistError(f"{DEALS_FILE}: mql_id(s) not in {MQL_FILE}: {', '.join(unknown[:5])}")

    leads, events, deals, payments, moved = [], [], [], [], []
    for mql in mqls:
        lead_id = mql["mql_id"]
        deal = deal_of_lead.get(lead_id, {})
        source, medium = utm_of(mql["origin"])
        created = iso(first_contact[lead_id])
        leads.append(
            {
                "lead_id": lead_id,
                "created_at": created,
                "segment": segment_of(deal.get("lead_type")),
                "utm_source": source,
                "utm_medium": medium,
                "utm_campaign": mql["landing_page_id"],
                "marketer_id": deal.get("sdr_id", ""),
                "origin": mql["origin"],
                "business_segment": deal.get("business_segment", ""),
                "lead_type": deal.get("lead_type", ""),
            }
        )
        events.append(
            {
                "event_id": f"{lead_id}-mql",
                "lead_id": lead_id,
                "stage": "mql",
                "occurred_at": created,
                "user_id": deal.get("sdr_id", ""),
            }
        )
    for deal in closed:
        lead_id = deal["mql_id"]
        won = won_timestamp(deal["won_date"])
        if won < first_contact[lead_id]:
            won = first_contact[lead_id]
            moved.append(deal["seller_id"])
        amount = declared_revenue(deal.get("declared_monthly_revenue"))
        deals.append(
            {
                "deal_id": deal["seller_id"],
                "lead_id": lead_id,
                "owner_id": deal["sr_id"],
                "created_at": iso(won),
                "status": "won",
                "closed_at": iso(won),
                "amount": amount or "",
                "currency": CURRENCY if amount else "",
                "lost_reason": "",
            }
        )
        if amount:
            payments.append(
                {
                    "payment_id": f"{deal['seller_id']}-declared",
                    "deal_id": deal["seller_id"],
                    "paid_at": iso(won),
                    "amount": amount,
                    "currency": CURRENCY,
                    "status": "succeeded",
                    "kind": "payment",
                }
            )

    sales = {d["sr_id"] for d in closed if d["sr_id"]}
    marketing = {d["sdr_id"] for d in closed if d["sdr_id"]} - sales
    users = [
        {"user_id": user_id, "name": "", "team": team, "segment": ""}
        for team, ids in (("marketing", marketing), ("sales", sales))
        for user_id in sorted(ids)
    ]
    return {
        "crm/leads": leads,
        "crm/lead_events": events,
        "crm/deals": deals,
        "crm/activities": [],
        "crm/users": users,
        "payments/payments": payments,
        "finance/fx_rates": [],
    }, moved


def header_of(path: str, rows: list[dict[str, str]]) -> list[str]:
    """The contract's columns of the entity, then any extra columns the rows carry."""
    header = [c.name for c in entity(path).columns]
    for row in rows[:1]:
        header += [name for name in row if name not in header]
    return header


def clear_landing(out: Path) -> None:
    """Remove every landing entity already in `out`, in either layout, so that no file of an
    earlier landing set (ads, plans) is read with the imported one."""
    for e in ENTITIES:
        target = out / e.path
        if target.is_dir():
            shutil.rmtree(target)
        for suffix in (".csv", ".parquet"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


def write_landing(out: Path, tables: Mapping[str, list[dict[str, str]]]) -> dict[str, int]:
    clear_landing(out)
    rows = {}
    for path, records in tables.items():
        target = out / f"{path}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, header_of(path, records), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        rows[f"{path}.csv"] = len(records)
    return rows


def import_olist(source: Path, out: Path) -> ImportSummary:
    """Write the landing directory `out` from the Olist files in `source`."""
    mqls, closed = read_source(Path(source))
    tables, moved = landing_tables(mqls, closed)
    out = Path(out)
    summary = ImportSummary(out=out, won_moved_to_first_contact=moved)
    summary.rows = write_landing(out, tables)
    return summary
