"""The landing entities of the contract (SPEC §1): where they live, their keys and columns.

One declaration serves the generator, the ingestion checks and the tests, so a column
added here is read, validated and generated alike.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a landing value is read; each kind has its own quarantine reason."""

    TEXT = "text"
    TIMESTAMP = "timestamp"  # ISO-8601; with an offset or Z exact, without one UTC
    DATE = "date"  # YYYY-MM-DD
    MONTH = "month"  # YYYY-MM
    MONEY = "money"  # decimal in major units, never negative
    MICROS = "micros"  # whole millionths of the unit, never negative
    COUNT = "count"  # whole number, never negative
    RATE = "rate"  # decimal, strictly positive
    DECIMAL = "decimal"  # any decimal (plan values)
    CURRENCY = "currency"  # ISO-4217 code, any case
    ENUM = "enum"  # one of `values`, any case, surrounding spaces ignored


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False

    @property
    def path(self) -> str:
        """Location under the landing directory, without the extension."""
        return f"{self.source}/{self.name}"

    @property
    def table(self) -> str:
        """Table name in the warehouse's `raw` schema."""
        return f"{self.source}__{self.name}"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required or c.name in self.key)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.path} has no column {name!r}")


def _c(name: str, kind: Kind = Kind.TEXT, required: bool = False, values=()) -> Column:
    return Column(name, kind, required, tuple(values))


# `stage` is validated against the CRM's own names in seeds/crm_stage_map.csv, read at run
# time (see `crm_stage_names`); the canonical stages are listed here for the seed's check.
LEAD_STAGES = ("new", "mql", "sql", "accepted", "rejected", "nurture", "disqualified")
SEGMENTS = ("enterprise", "middle", "small")
DEAL_STATUSES = ("open", "won", "lost")
ACTIVITY_TYPES = ("call", "email", "meeting", "message")
TEAMS = ("marketing", "sales")
PAYMENT_STATUSES = ("succeeded", "failed", "pending")
PAYMENT_KINDS = ("payment", "refund")
PLAN_SEGMENTS = (*SEGMENTS, "all")
PLAN_METRICS = ("sql", "revenue")

ENTITIES: tuple[Entity, ...] = (
    Entity(
        "crm",
        "leads",
        ("lead_id",),
        (
            _c("lead_id", required=True),
            _c("created_at", Kind.TIMESTAMP, required=True),
            _c("email"),
            _c("phone"),
            _c("company_name"),
            # Not an enum that quarantines: SPEC maps anything else to `unknown`.
            _c("segment"),
            _c("region"),
            _c("utm_source"),
            _c("utm_medium"),
            _c("utm_campaign"),
            _c("marketer_id"),
        ),
    ),
    Entity(
        "crm",
        "lead_events",
        ("event_id",),
        (
            _c("event_id", required=True),
            _c("lead_id", required=True),
            _c("stage", Kind.ENUM, required=True),
            _c("occurred_at", Kind.TIMESTAMP, required=True),
            _c("user_id"),
            _c("reason"),
        ),
    ),
    Entity(
        "crm",
        "deals",
        ("deal_id",),
        (
            _c("deal_id", required=True),
            _c("lead_id"),
            _c("owner_id"),
            _c("created_at", Kind.TIMESTAMP, required=True),
            _c("status", Kind.ENUM, required=True, values=DEAL_STATUSES),
            _c("closed_at", Kind.TIMESTAMP),
            _c("amount", Kind.MONEY),
            _c("currency", Kind.CURRENCY),
            _c("lost_reason"),
        ),
    ),
    Entity(
        "crm",
        "activities",
        ("activity_id",),
        (
            _c("activity_id", required=True),
            _c("lead_id"),
            _c("deal_id"),
            _c("user_id", required=True),
            _c("type", Kind.ENUM, required=True, values=ACTIVITY_TYPES),
            _c("occurred_at", Kind.TIMESTAMP, required=True),
        ),
    ),
    Entity(
        "crm",
        "users",
        ("user_id",),
        (
            _c("user_id", required=True),
            _c("name"),
            _c("team", Kind.ENUM, required=True, values=TEAMS),
            _c("segment"),
        ),
    ),
    Entity(
        "ads",
        "google_ads",
        ("segments_date", "campaign_id"),
        (
            _c("segments_date", Kind.DATE, required=True),
            _c("campaign_id", required=True),
            _c("campaign_name"),
            _c("metrics_impressions", Kind.COUNT),
            _c("metrics_clicks", Kind.COUNT),
            _c("metrics_cost_micros", Kind.MICROS, required=True),
            _c("customer_currency_code", Kind.CURRENCY, required=True),
        ),
        optional=True,
    ),
    Entity(
        "ads",
        "meta_ads",
        ("date_start", "campaign_id"),
        (
            _c("date_start", Kind.DATE, required=True),
            _c("campaign_id", required=True),
            _c("campaign_name"),
            _c("impressions", Kind.COUNT),
            _c("clicks", Kind.COUNT),
            _c("spend", Kind.MONEY, required=True),
            _c("account_currency", Kind.CURRENCY, required=True),
        ),
        optional=True,
    ),
    Entity(
        "ads",
        "yandex_direct",
        ("Date", "CampaignId"),
        (
            _c("Date", Kind.DATE, required=True),
            _c("CampaignId", required=True),
            _c("CampaignName"),
            _c("Impressions", Kind.COUNT),
            _c("Clicks", Kind.COUNT),
            _c("Cost", Kind.MICROS, required=True),
            _c("Currency", Kind.CURRENCY, required=True),
        ),
        optional=True,
    ),
    Entity(
        "payments",
        "payments",
        ("payment_id",),
        (
            _c("payment_id", required=True),
            _c("deal_id"),
            _c("paid_at", Kind.TIMESTAMP, required=True),
            _c("amount", Kind.MONEY, required=True),
            _c("currency", Kind.CURRENCY, required=True),
            _c("status", Kind.ENUM, required=True, values=PAYMENT_STATUSES),
            _c("kind", Kind.ENUM, required=True, values=PAYMENT_KINDS),
        ),
    ),
    Entity(
        "finance",
        "fx_rates",
        ("date", "currency"),
        (
            _c("date", Kind.DATE, required=True),
            _c("currency", Kind.CURRENCY, required=True),
            _c("rate_to_base", Kind.RATE, required=True),
        ),
        optional=True,
    ),
    Entity(
        "finance",
        "plans",
        ("month", "segment", "metric"),
        (
            _c("month", Kind.MONTH, required=True),
            _c("segment", Kind.ENUM, required=True, values=PLAN_SEGMENTS),
            _c("metric", Kind.ENUM, required=True, values=PLAN_METRICS),
            _c("plan_value", Kind.DECIMAL, required=True),
        ),
        optional=True,
    ),
    Entity(
        "finance",
        "marketing_costs",
        ("month", "channel", "category"),
        (
            _c("month", Kind.MONTH, required=True),
            _c("channel", required=True),
            _c("category", required=True),
            _c("amount", Kind.MONEY, required=True),
            _c("currency", Kind.CURRENCY, required=True),
        ),
        optional=True,
    ),
)

SOURCES: tuple[str, ...] = tuple(dict.fromkeys(e.source for e in ENTITIES))


def entities_of(source: str) -> tuple[Entity, ...]:
    return tuple(e for e in ENTITIES if e.source == source)


def entity(path: str) -> Entity:
    """The entity at `source/name`, e.g. `crm/leads`."""
    for e in ENTITIES:
        if e.path == path:
            return e
    raise KeyError(f"no landing entity {path!r}")


def crm_stage_names(seeds_dir) -> dict[str, str]:
    """The CRM's own stage names (lower-cased, trimmed) mapped onto the canonical stages."""
    with open(f"{seeds_dir}/crm_stage_map.csv", newline="", encoding="utf-8") as f:
        return {row["crm_stage"].strip().lower(): row["stage"] for row in csv.DictReader(f)}
