"""Seeded synthetic landing data with the shape and the mess of real exports (SPEC §1).

`generate` writes every entity of `entities.ENTITIES` for a number of leads over a number of
calendar months ending on a given day. The numbers behave like a B2B funnel: weekday seasonality;
channels and segments that differ in volume, cost, conversion, deal size and cycle length;
handovers that lag lead creation across month boundaries; instalments and refunds. That makes the
two attributions SPEC §2 compares really differ. The files carry what CRM, billing and ad exports
carry: rows re-sent with updates in later daily drops, duplicate events, several timestamp forms,
enum values in odd case, lower-case currencies, and a rare malformed row of each kind ingestion
has to quarantine.

Records are drawn with numpy (one seeded stream per entity, vectorised) as numbers and codes;
DuckDB renders them to text and writes the files, so a given seed, size and end day give
byte-identical output.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from orchestration.lib.entities import (
    ACTIVITY_TYPES,
    DEAL_STATUSES,
    ENTITIES,
    LEAD_STAGES,
    PAYMENT_KINDS,
    PAYMENT_STATUSES,
    PLAN_METRICS,
    PLAN_SEGMENTS,
    SEGMENTS,
    Entity,
    entity,
)

HOUR = 3_600
DAY = 86_400
_EPOCH = date(1970, 1, 1)

BASE_CURRENCY = "USD"

# CRM exports arrive as one file per day; billing and one ad platform come as Parquet so that
# both readers are exercised; everything else is a single CSV.
DAILY_DROP_ENTITIES = ("crm/leads", "crm/lead_events", "crm/deals", "crm/activities")
PARQUET_ENTITIES = ("payments/payments", "ads/meta_ads")


# --------------------------------------------------------------------------------------------
# The business being simulated
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utm:
    """One utm_source/utm_medium pair as it is typed into links, spelling quirks included."""

    source: str
    medium: str
    weight: float
    campaigns: tuple[str, ...] = ()
    region: str | None = None  # audience of a regional platform (Yandex, VK)


@dataclass(frozen=True)
class Channel:
    """A marketing channel: its share of leads, lead quality and the utm pairs that reach it.

    `quality` scales the chances to qualify, to be accepted by sales and to win.
    """

    name: str
    lead_share: float
    quality: float
    segment_mix: tuple[float, float, float]  # enterprise, middle, small
    utm: tuple[Utm, ...]


GOOGLE_CAMPAIGNS = ("gs_brand", "gs_generic_crm", "gs_competitors", "gs_remarketing")
YANDEX_CAMPAIGNS = ("yd_brand", "yd_generic_crm", "yd_rsya_retargeting")
META_CAMPAIGNS = ("fb_leadgen_smb", "fb_lookalike_customers", "ig_stories_demo", "meta_retargeting")

# Each pair maps to its channel through seeds/channel_map.csv; the tests hold them to it.
CHANNELS: tuple[Channel, ...] = (
    Channel(
        "paid_search",
        0.30,
        1.0,
        (0.10, 0.30, 0.60),
        (
            Utm("google", "cpc", 0.50, (*GOOGLE_CAMPAIGNS, "gs_landing_test")),
            Utm("yandex", "cpc", 0.26, YANDEX_CAMPAIGNS, region="CIS"),
            Utm(" Google ", "CPC", 0.04, GOOGLE_CAMPAIGNS),
            Utm("google", "ppc", 0.03, GOOGLE_CAMPAIGNS),
            Utm("google", "paid", 0.03, GOOGLE_CAMPAIGNS),
            Utm("Yandex", "ppc", 0.06, YANDEX_CAMPAIGNS, region="CIS"),
            Utm("bing", "cpc", 0.08, ("bing_generic",)),
        ),
    ),
    Channel(
        "paid_social",
        0.17,
        0.65,
        (0.05, 0.20, 0.75),
        (
            Utm("facebook", "cpc", 0.35, META_CAMPAIGNS),
            Utm("instagram", "paid_social", 0.18, META_CAMPAIGNS),
            Utm("meta", "paid", 0.08, META_CAMPAIGNS),
            Utm("Facebook", "Paid_Social", 0.05, META_CAMPAIGNS),
            Utm("linkedin", "cpc", 0.22, ("li_abm_enterprise", "li_lead_forms")),
            Utm("vk", "paid", 0.12, ("vk_leadgen",), region="CIS"),
        ),
    ),
    Channel(
        "email",
        0.10,
        0.9,
        (0.10, 0.35, 0.55),
        (
            Utm("newsletter", "email", 0.5, ("newsletter_weekly", "product_update")),
            Utm("hubspot", "email", 0.3, ("nurture_sequence",)),
            Utm("Mailchimp", "Email", 0.2, ("promo_blast",)),
        ),
    ),
    Channel(
        "organic_search",
        0.16,
        1.1,
        (0.10, 0.30, 0.60),
        (
            Utm("google", "organic", 0.7),
            Utm("yandex", "organic", 0.2, region="CIS"),
            Utm("bing", "organic", 0.1),
        ),
    ),
    Channel(
        "referral",
        0.05,
        2.2,
        (0.25, 0.40, 0.35),
        (
            Utm("partner_site", "referral", 0.5, ("partner_program",)),
            Utm("g2", "referral", 0.3),
            Utm("capterra", "referral", 0.2),
        ),
    ),
    Channel(
        "events",
        0.05,
        1.6,
        (0.35, 0.40, 0.25),
        (
            Utm("conference", "event", 0.5, ("saas_summit", "crm_expo")),
            Utm("zoom", "webinar", 0.5, ("webinar_pipeline", "webinar_revops")),
        ),
    ),
    Channel("direct", 0.10, 1.2, (0.15, 0.30, 0.55), (Utm("", "", 1.0),)),
    Channel(
        "other",
        0.07,
        0.7,
        (0.05, 0.25, 0.70),
        (
            Utm("tiktok", "cpc", 0.3, ("tt_test",)),
            Utm("telegram", "post", 0.3),
            Utm("partner", "affiliate", 0.2),
            Utm("", "social", 0.2),
        ),
    ),
)


@dataclass(frozen=True)
class SegmentProfile:
    """How leads of one segment convert, how big their deals are and how long they take."""

    name: str
    sql_factor: float
    deal_rate: float  # accepted SQL -> deal
    win_rate: float
    median_deal_usd: float
    median_cycle_days: float
    instalment_share: float  # won deals paid in instalments rather than at once
    max_instalments: int
    activities: float  # mean sales touches after handover


# Index 3 is for leads whose segment is blank or odd: they behave like weak small leads.
SEGMENT_PROFILES = (
    SegmentProfile("enterprise", 1.10, 0.80, 0.26, 48_000, 75, 0.70, 6, 9.0),
    SegmentProfile("middle", 1.00, 0.75, 0.32, 14_000, 35, 0.40, 4, 6.0),
    SegmentProfile("small", 0.95, 0.72, 0.38, 3_200, 14, 0.12, 3, 3.5),
    SegmentProfile("unknown", 0.70, 0.60, 0.30, 2_500, 18, 0.10, 2, 2.5),
)
UNKNOWN_SEGMENT = 3
# Labels as typed in the CRM: the first three are the canonical segments, the rest are blank
# or odd values that SPEC maps to `unknown` ('' is written as an empty field).
SEGMENT_LABELS = (*SEGMENTS, "", "n/a", "SMB", "mid-market", "Enterprise Plus", "-")
UNKNOWN_SEGMENT_LABEL_WEIGHTS = (0.55, 0.12, 0.12, 0.09, 0.06, 0.06)

REGIONS = ("NA", "EMEA", "UK", "CIS", "APAC")
REGION_SHARE = (0.38, 0.27, 0.10, 0.12, 0.13)
REGION_PHONE_CODES = ("1", "49", "44", "7", "65")
REGION_DOMAINS = (".com", ".de", ".co.uk", ".ru", ".io")

CURRENCIES = ("USD", "EUR", "GBP", "RUB")
# Share of each deal currency by the lead's region (rows follow REGIONS).
REGION_CURRENCY_MIX = (
    (1.00, 0.00, 0.00, 0.00),
    (0.15, 0.85, 0.00, 0.00),
    (0.10, 0.00, 0.90, 0.00),
    (0.15, 0.00, 0.00, 0.85),
    (0.90, 0.10, 0.00, 0.00),
)
# Base-currency units per unit at the start of the window, and the daily volatility of the walk.
FX_START_RATE = {"EUR": 1.08, "GBP": 1.27, "RUB": 0.0112}
FX_DAILY_VOLATILITY = {"EUR": 0.004, "GBP": 0.004, "RUB": 0.009}
# Deal amounts are quoted in round numbers of their currency.
AMOUNT_ROUNDING = {"USD": 50, "EUR": 50, "GBP": 50, "RUB": 5_000}


@dataclass(frozen=True)
class AdPlatform:
    path: str
    currency: str
    cost_per_lead: float  # in the account currency
    cost_per_click: float
    click_through: float
    campaigns: tuple[str, ...]  # named as the leads' utm_campaign
    unmatched_campaigns: tuple[str, ...]  # spend that no lead's utm_campaign names
    campaign_id_digits: int


AD_PLATFORMS = (
    AdPlatform(
        "ads/google_ads", "USD", 140.0, 3.2, 0.05, GOOGLE_CAMPAIGNS, ("Search - DSA (old)",), 10
    ),
    AdPlatform(
        "ads/meta_ads", "EUR", 50.0, 0.8, 0.011, META_CAMPAIGNS, ("brand_awareness_video",), 17
    ),
    AdPlatform(
        "ads/yandex_direct", "RUB", 9_500.0, 42.0, 0.035, YANDEX_CAMPAIGNS, ("yd_autotest",), 8
    ),
)


@dataclass(frozen=True)
class MarketingCost:
    channel: str
    category: str
    currency: str
    monthly_amount: float  # at 10,000 leads over the window; scales with the number of leads
    month_share: float  # share of months with any spend (events are lumpy)


MARKETING_COSTS = (
    MarketingCost("events", "venue", "USD", 12_000, 0.6),
    MarketingCost("events", "sponsorship", "EUR", 18_000, 0.4),
    MarketingCost("events", "travel", "USD", 3_000, 0.7),
    MarketingCost("organic_search", "content_agency", "EUR", 6_500, 1.0),
    MarketingCost("organic_search", "seo_tools", "USD", 900, 1.0),
    MarketingCost("email", "email_platform", "USD", 1_400, 1.0),
    MarketingCost("referral", "partner_commissions", "USD", 5_000, 1.0),
    MarketingCost("paid_social", "creative_agency", "GBP", 3_500, 0.8),
    MarketingCost("paid_search", "agency_fee", "USD", 4_000, 1.0),
)

# Leads per weekday, Monday first: B2B forms are filled in at work.
WEEKDAY_LEAD_FACTOR = np.array([1.10, 1.15, 1.10, 1.05, 0.90, 0.35, 0.30])
# Leads per hour of day (UTC); the audience spans time zones, so nights are quiet, not empty.
HOURLY_LEAD_PROFILE = np.array(
    [1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 10, 9, 9, 9, 10, 10, 9, 8, 6, 4, 3, 2, 1], dtype=float
)
MONTHLY_LEAD_GROWTH = 0.03

MQL_RATE = 0.50
SQL_RATE = 0.38  # of MQLs, before channel quality and segment
REJECTION_RATE = 0.16  # of SQLs, divided by channel quality
NURTURE_AFTER_REJECTION = 0.5
REHANDOVER_AFTER_NURTURE = 0.45
SECOND_REJECTION_RATE = 0.25
IMPLICIT_HANDOVER_RATE = 0.03  # MQLs that get a deal without an sql event
UPSELL_RATE = 0.07  # won deals followed by a second deal
LEADLESS_DEAL_SHARE = 0.02

FAILED_PAYMENT_RATE = 0.06
REFUND_RATE = 0.035
ORPHAN_PAYMENT_SHARE = 0.008

REJECTION_REASONS = ("not ICP", "no budget", "bad contact data", "duplicate", "too early")
DISQUALIFICATION_REASONS = ("spam", "student", "competitor", "job seeker", "invalid email")
SALES_DISQUALIFICATION_REASONS = ("unresponsive", "not a decision maker", "chose competitor")
NURTURE_REASONS = ("not ready", "timing")
REASONS = (
    *REJECTION_REASONS,
    *DISQUALIFICATION_REASONS,
    *SALES_DISQUALIFICATION_REASONS,
    *NURTURE_REASONS,
)
LOST_REASONS = ("price", "competitor", "no decision", "timing", "no budget", "missing feature")

FIRST_NAMES = (
    "Anna", "Boris", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Irina", "James",
    "Katya", "Liam", "Maria", "Nikolai", "Olivia", "Pavel", "Quinn", "Rosa", "Sergei", "Tara",
    "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Becker", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanova",
    "Jensen", "Kowalski", "Lopez", "Meyer", "Novak", "Olsen", "Petrov", "Quinn", "Rossi",
    "Smirnov", "Taylor", "Ueda", "Volkov", "Weber", "Young", "Zhang",
)  # fmt: skip
COMPANY_STEMS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
    "Cyberdyne", "Tyrell", "Wonka", "Gringotts", "Monarch", "Oscorp", "Aperture", "Massive",
    "Nakatomi", "Pied Piper", "Dunder", "Prestige", "Bluth", "Sirius", "Vector", "Northwind",
    "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware",
)  # fmt: skip
COMPANY_SUFFIXES = ("Corp", "LLC", "GmbH", "Ltd", "Group", "Systems", "Labs", "AG")

# How a timestamp is written: Z, +03:00, -05:00, or naive (UTC by the contract).
CRM_TIMESTAMP_FORMS = (0.55, 0.18, 0.07, 0.20)
PAYMENT_TIMESTAMP_FORMS = (0.85, 0.0, 0.0, 0.15)
ODD_CASE_SHARE = 0.04
LOWER_CASE_CURRENCY_SHARE = 0.10
MALFORMED_SHARE = 0.002


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate` wrote: where, which days, and how many rows per entity path.

    `malformed` counts, per entity path and reason, the rows written malformed on purpose:
    exactly the rows that ingestion must quarantine.
    """

    out: Path
    start: date
    end: date
    rows: dict[str, int] = field(default_factory=dict)
    malformed: dict[str, dict[str, int]] = field(default_factory=dict)

    def describe(self) -> str:
        width = max((len(path) for path in self.rows), default=0)
        lines = [f"landing data in {self.out} for {self.start} .. {self.end}"]
        for path, count in self.rows.items():
            bad = sum(self.malformed.get(path, {}).values())
            note = f"  ({bad:,} malformed)" if bad else ""
            lines.append(f"  {path:<{width}}  {count:>10,} rows{note}")
        return "\n".join(lines)


def default_end(today: date | None = None) -> date:
    """The last day of the previous calendar month (UTC), so output is stable within a month."""
    today = today or datetime.now(UTC).date()
    return today.replace(day=1) - timedelta(days=1)


def generate(
    out: Path,
    *,
    leads: int = 10_000,
    months: int = 6,
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write a landing directory of `leads` leads created over `months` months ending at `end`.

    `progress`, when given, is told what is being done as each part starts (for a terminal).

    The window covers whole calendar months, the last one up to `end`; nothing is dated later.
    Existing files of the landing entities under `out` are replaced; other files are left alone.
    """
    if leads < 1:
        raise ValueError("leads must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    window = _Window.ending(end or default_end(), months)
    out = Path(out)
    # One stream per part, so that changing how one entity is drawn leaves the others as they were.
    rng = dict(zip(_STREAMS, np.random.default_rng(seed).spawn(len(_STREAMS)), strict=True))

    report = progress or (lambda _: None)
    report("drawing users and leads")
    users = _make_users(rng["users"], leads)
    lead_set = _make_leads(rng["leads"], window, leads, users)
    report("drawing the funnel, deals, activities, fx rates and payments")
    funnel = _run_funnel(rng["funnel"], window, lead_set)
    deals = _make_deals(rng["deals"], window, lead_set, funnel, users)
    activities = _make_activities(rng["activities"], window, lead_set, funnel, deals, users)
    fx = _make_fx(rng["fx"], window)
    payments = _make_payments(rng["payments"], window, deals)

    ids = _Ids(
        lead_width=_id_width(lead_set.count, 7),
        # Payments may point past the last deal: those links must look like deal ids too.
        deal_width=_id_width(max(deals.count, int(payments.deal.max(initial=0)) + 1), 6),
        user_width=_id_width(users.count, 4),
    )
    outputs = [
        _render_leads(rng["leads export"], window, lead_set, ids),
        _render_lead_events(rng["events export"], window, funnel, ids),
        _render_deals(rng["deals export"], window, deals, ids),
        _render_activities(rng["activities export"], window, activities, ids),
        _render_users(rng["users export"], users, ids),
        *_render_ads(rng["ads"], window, lead_set),
        _render_payments(rng["payments export"], payments, ids),
        _render_fx(rng["fx export"], fx),
        _render_plans(rng["plans"], window, lead_set, funnel, deals, payments, fx),
        _render_marketing_costs(rng["marketing costs"], window, leads),
    ]
    rows: dict[str, int] = {}
    malformed: dict[str, dict[str, int]] = {}
    con = duckdb.connect()
    try:
        # Files are written in table order without a sort per file: keep that order reliable.
        con.execute("SET preserve_insertion_order = true")
        _define_macros(con)
        for output in sorted(outputs, key=lambda o: ENTITIES.index(o.entity)):
            path = output.entity.path
            report(f"writing {path}")
            rows[path], malformed[path] = _write_output(con, out, output)
    finally:
        con.close()
    return GenerationSummary(
        out=out, start=window.start, end=window.end, rows=rows, malformed=malformed
    )


# --------------------------------------------------------------------------------------------
# Calendar and random helpers
# --------------------------------------------------------------------------------------------

_STREAMS = (
    "users",
    "leads",
    "funnel",
    "deals",
    "activities",
    "fx",
    "payments",
    "leads export",
    "events export",
    "deals export",
    "activities export",
    "users export",
    "ads",
    "payments export",
    "fx export",
    "plans",
    "marketing costs",
)


@dataclass(frozen=True)
class _Window:
    start: date
    end: date

    @classmethod
    def ending(cls, end: date, months: int) -> _Window:
        first_month = end.year * 12 + end.month - 1 - (months - 1)
        return cls(date(first_month // 12, first_month % 12 + 1, 1), end)

    @property
    def first_day(self) -> int:
        return (self.start - _EPOCH).days

    @property
    def last_day(self) -> int:
        return (self.end - _EPOCH).days

    @property
    def n_days(self) -> int:
        return self.last_day - self.first_day + 1

    @property
    def last_second(self) -> int:
        return (self.last_day + 1) * DAY - 1

    @property
    def first_month(self) -> int:
        """Months since 1970-01, as numpy's datetime64[M] counts them."""
        return (self.start.year - 1970) * 12 + self.start.month - 1

    @property
    def n_months(self) -> int:
        return (self.end.year - 1970) * 12 + self.end.month - 1 - self.first_month + 1

    def month_labels(self) -> list[str]:
        months = self.first_month + np.arange(self.n_months)
        return [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in months]


def _weekday(epoch_days: np.ndarray) -> np.ndarray:
    """Monday = 0; 1970-01-01 was a Thursday."""
    return (epoch_days + 3) % 7


def _month_of(seconds: np.ndarray) -> np.ndarray:
    return seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)


def _lag(
    rng: np.random.Generator, n: int, median: float | np.ndarray, sigma: float, minimum: int = 60
) -> np.ndarray:
    """Log-normal delays in seconds: most are near the median, a few are much longer."""
    return np.maximum((median * np.exp(sigma * rng.standard_normal(n))).astype(np.int64), minimum)


def _off_weekend(rng: np.random.Generator, t: np.ndarray, share: float) -> np.ndarray:
    """Move `share` of weekend moments to the Monday after: people act on workdays."""
    weekday = _weekday(t // DAY)
    shift = np.where(weekday == 5, 2 * DAY, np.where(weekday == 6, DAY, 0))
    return t + np.where(rng.random(t.size) < share, shift, 0)


def _choose_per_row(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row from that row's own categorical distribution (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    picked = (rng.random(len(probabilities))[:, None] >= cumulative).sum(axis=1)
    return np.minimum(picked, probabilities.shape[1] - 1)


def _variant(rng: np.random.Generator, n: int, share: float, variants: int = 3) -> np.ndarray:
    """0 for most rows, else one of `variants` odd spellings numbered from 1 (in any 20 rows)."""
    odd = _at_least_one(rng, rng.random(n) < share, np.full(n, n >= 20))
    return np.where(odd, rng.integers(1, variants + 1, n), 0).astype(np.int8)


def _at_least_one(rng: np.random.Generator, chosen: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """`chosen`, plus one random eligible row when chance chose none of them.

    Eligible rows are those that will show (say, dated in the window): small runs then still
    have each case that the tests and the pipeline's checks look for.
    """
    if (chosen & eligible).any() or not eligible.any():
        return chosen
    chosen = chosen.copy()
    chosen[rng.choice(np.flatnonzero(eligible))] = True
    return chosen


def _id_width(largest: int, minimum: int) -> int:
    return max(minimum, len(str(largest)))


@dataclass(frozen=True)
class _Ids:
    """How ids that entities share are spelled: the same in every file that holds them."""

    lead_width: int
    deal_width: int
    user_width: int

    def lead(self, number: str) -> str:
        return f"ident('L-', {number}, {self.lead_width})"

    def deal(self, number: str) -> str:
        return f"ident('D-', {number}, {self.deal_width})"

    def user(self, number: str) -> str:
        return f"ident('U-', {number}, {self.user_width})"


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


_UTMS = tuple(u for c in CHANNELS for u in c.utm)
_UTM_CHANNEL = np.array([i for i, c in enumerate(CHANNELS) for _ in c.utm])
UTM_SOURCES = _unique(["", *(u.source for u in _UTMS)])
UTM_MEDIUMS = _unique(["", *(u.medium for u in _UTMS)])
CAMPAIGNS = _unique(
    [name for u in _UTMS for name in u.campaigns]
    + [name for p in AD_PLATFORMS for name in p.unmatched_campaigns]
)
_CHANNEL_QUALITY = np.array([c.quality for c in CHANNELS])


def _channel_indexes(*names: str) -> list[int]:
    return [[c.name for c in CHANNELS].index(name) for name in names]


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


@dataclass
class _Users:
    team: np.ndarray  # 0 marketing, 1 sales
    segment: np.ndarray  # -1 none
    first_name: np.ndarray
    last_name: np.ndarray
    marketing_count: int
    sales_start: np.ndarray  # first user index of each segment's sales team
    sales_count: np.ndarray

    @property
    def count(self) -> int:
        return self.team.size

    def sales_owner(self, rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
        """A sales user of the lead's segment team; unknown segments go to the small team."""
        team = np.minimum(segment, 2)
        return self.sales_start[team] + (rng.random(segment.size) * self.sales_count[team]).astype(
            np.int64
        )

    def any_sales_user(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.marketing_count, self.count, n)


def _make_users(rng: np.random.Generator, leads: int) -> _Users:
    marketing = int(np.clip(round(leads / 2_500), 4, 40))
    sales = np.array(
        [
            np.clip(round(leads / 8_000), 2, 60),
            np.clip(round(leads / 4_000), 3, 120),
            np.clip(round(leads / 2_000), 4, 240),
        ]
    )
    n = marketing + int(sales.sum())
    segment = np.concatenate(
        [
            # A few marketers focus on a segment (account-based marketing), most do not.
            np.where(rng.random(marketing) < 0.3, rng.integers(0, 3, marketing), -1),
            np.repeat(np.arange(3), sales),
        ]
    )
    return _Users(
        team=np.concatenate([np.zeros(marketing, np.int8), np.ones(int(sales.sum()), np.int8)]),
        segment=segment,
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
        marketing_count=marketing,
        sales_start=marketing + np.concatenate([[0], np.cumsum(sales)[:-1]]),
        sales_count=sales,
    )


# --------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------


@dataclass
class _Leads:
    created: np.ndarray  # epoch seconds, ascending, so lead numbers follow creation
    utm: np.ndarray
    channel: np.ndarray
    campaign: np.ndarray  # index into CAMPAIGNS or -1
    segment: np.ndarray  # 0..2 SEGMENTS, 3 unknown
    segment_label: np.ndarray  # index into SEGMENT_LABELS
    region: np.ndarray
    currency: np.ndarray  # currency of the lead's deals
    marketer: np.ndarray  # user index or -1
    owner: np.ndarray  # sales user who would take the lead
    company: np.ndarray
    company_suffix: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    has_email: np.ndarray
    has_phone: np.ndarray
    phone_number: np.ndarray

    @property
    def count(self) -> int:
        return self.created.size


def _lead_creation_times(rng: np.random.Generator, window: _Window, n: int) -> np.ndarray:
    days = np.arange(window.first_day, window.last_day + 1)
    growth = (1 + MONTHLY_LEAD_GROWTH) ** ((days - days[0]) / 30.4)
    noise = rng.gamma(25.0, 1 / 25.0, days.size)  # campaigns and news make some days busier
    weights = WEEKDAY_LEAD_FACTOR[_weekday(days)] * growth * noise
    day = rng.choice(days, size=n, p=weights / weights.sum())
    hour = rng.choice(24, size=n, p=HOURLY_LEAD_PROFILE / HOURLY_LEAD_PROFILE.sum())
    return np.sort(day * DAY + hour * HOUR + rng.integers(0, HOUR, n))


def _make_leads(rng: np.random.Generator, window: _Window, n: int, users: _Users) -> _Leads:
    created = _lead_creation_times(rng, window, n)

    utm_share = np.array([c.lead_share * u.weight for c in CHANNELS for u in c.utm])
    utm = rng.choice(len(_UTMS), size=n, p=utm_share / utm_share.sum())
    channel = _UTM_CHANNEL[utm]

    counts = np.array([len(u.campaigns) for u in _UTMS])
    campaign_of_utm = np.full((len(_UTMS), counts.max()), -1)
    for i, u in enumerate(_UTMS):
        campaign_of_utm[i, : len(u.campaigns)] = [CAMPAIGNS.index(name) for name in u.campaigns]
    # A pair without campaigns draws position 0, which holds -1 (no utm_campaign).
    position = (rng.random(n) * counts[utm]).astype(np.int64)
    campaign = campaign_of_utm[utm, position]
    campaign = np.where(rng.random(n) < 0.04, -1, campaign)  # links without utm_campaign

    segment_mix = np.array([c.segment_mix for c in CHANNELS])
    segment = _choose_per_row(rng, segment_mix[channel])
    segment = np.where(rng.random(n) < 0.04, UNKNOWN_SEGMENT, segment)
    odd_labels = len(SEGMENTS) + rng.choice(
        len(UNKNOWN_SEGMENT_LABEL_WEIGHTS), size=n, p=UNKNOWN_SEGMENT_LABEL_WEIGHTS
    )
    segment_label = np.where(segment == UNKNOWN_SEGMENT, odd_labels, segment)

    forced_region = np.array([REGIONS.index(u.region) if u.region else -1 for u in _UTMS])
    region = rng.choice(len(REGIONS), size=n, p=REGION_SHARE)
    region = np.where(forced_region[utm] >= 0, forced_region[utm], region)
    currency = _choose_per_row(rng, np.array(REGION_CURRENCY_MIX)[region])

    # Each channel has up to three marketers; some leads come in with no marketer set.
    marketer = (channel * 3 + rng.integers(0, 3, n)) % users.marketing_count
    marketer = np.where(rng.random(n) < 0.10, -1, marketer)

    return _Leads(
        created=created,
        utm=utm,
        channel=channel,
        campaign=campaign,
        segment=segment,
        segment_label=segment_label,
        region=region,
        currency=currency,
        marketer=marketer,
        owner=users.sales_owner(rng, segment),
        company=rng.integers(0, len(COMPANY_STEMS), n),
        company_suffix=rng.integers(0, len(COMPANY_SUFFIXES) + 1, n),  # last = ", Inc."
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
        has_email=rng.random(n) < 0.9,
        has_phone=rng.random(n) < 0.65,
        phone_number=rng.integers(1_000_000_000, 9_999_999_999, n),
    )


# --------------------------------------------------------------------------------------------
# Funnel: lead events and the moments that deals start
# --------------------------------------------------------------------------------------------


@dataclass
class _Funnel:
    event_lead: np.ndarray
    event_stage: np.ndarray  # index into LEAD_STAGES
    event_time: np.ndarray
    event_user: np.ndarray  # user index or -1
    event_reason: np.ndarray  # index into REASONS or -1
    handover: np.ndarray  # per lead: first sql event, or implicit handover at its deal, or -1
    deal_start: np.ndarray  # per lead: when its first deal is created, or -1

    @property
    def event_count(self) -> int:
        return self.event_lead.size


def _run_funnel(rng: np.random.Generator, window: _Window, leads: _Leads) -> _Funnel:
    n = leads.count
    last = window.last_second
    quality = _CHANNEL_QUALITY[leads.channel]
    sql_factor = np.array([p.sql_factor for p in SEGMENT_PROFILES])[leads.segment]
    deal_rate = np.array([p.deal_rate for p in SEGMENT_PROFILES])[leads.segment]

    t_new = leads.created
    is_mql = rng.random(n) < np.clip(MQL_RATE * np.sqrt(quality), 0.05, 0.95)
    t_mql = t_new + _lag(rng, n, 20 * HOUR, 1.2, 300)

    is_sql = is_mql & (rng.random(n) < np.clip(SQL_RATE * quality * sql_factor, 0.02, 0.9))
    # Marketing qualifies for days before handing over: this lag is what moves SQLs across
    # month boundaries between the two attributions.
    t_sql = _off_weekend(rng, t_mql + _lag(rng, n, 4.5 * DAY, 0.9, HOUR), 0.9)
    rejected = is_sql & (rng.random(n) < np.clip(REJECTION_RATE / quality, 0.03, 0.5))
    t_verdict = _off_weekend(rng, t_sql + _lag(rng, n, 16 * HOUR, 1.0, 600), 0.85)

    nurtured = rejected & (rng.random(n) < NURTURE_AFTER_REJECTION)
    t_nurture = t_verdict + _lag(rng, n, 2 * DAY, 0.8, HOUR)
    rehanded = nurtured & (rng.random(n) < REHANDOVER_AFTER_NURTURE)
    t_sql2 = _off_weekend(rng, t_nurture + _lag(rng, n, 40 * DAY, 0.45, DAY), 0.9)
    rejected2 = rehanded & (rng.random(n) < SECOND_REJECTION_RATE)
    t_verdict2 = _off_weekend(rng, t_sql2 + _lag(rng, n, DAY, 0.8, 600), 0.85)
    dropped_after_rejection = rejected & ~nurtured & (rng.random(n) < 0.5)
    t_dropped = t_verdict + _lag(rng, n, 2 * DAY, 0.6, HOUR)

    accepted_first = is_sql & ~rejected
    accepted = accepted_first | (rehanded & ~rejected2)
    t_accepted = np.where(accepted_first, t_verdict, t_verdict2)
    has_deal = accepted & (rng.random(n) < deal_rate)
    t_deal = _off_weekend(rng, t_accepted + _lag(rng, n, 2.5 * DAY, 0.8, HOUR), 0.9)
    sales_disqualified = accepted & ~has_deal & (rng.random(n) < 0.4)
    t_sales_disqualified = t_accepted + _lag(rng, n, 18 * DAY, 0.6, DAY)

    # Sales sometimes open a deal straight from an inbound lead without marking it sql.
    direct_to_sales = np.isin(leads.channel, _channel_indexes("referral", "events", "direct"))
    implicit = ~is_sql & (
        (is_mql & (rng.random(n) < IMPLICIT_HANDOVER_RATE))
        | (~is_mql & direct_to_sales & (rng.random(n) < 0.02))
    )
    t_implicit_deal = _off_weekend(
        rng, np.where(is_mql, t_mql, t_new) + _lag(rng, n, 6 * DAY, 0.8, HOUR), 0.9
    )

    stalled = is_mql & ~is_sql & ~implicit
    marketing_nurture = stalled & (rng.random(n) < 0.3)
    t_marketing_nurture = t_mql + _lag(rng, n, 12 * DAY, 0.7, DAY)
    marketing_disqualified = (~is_mql & ~implicit & (rng.random(n) < 0.35)) | (
        stalled & ~marketing_nurture & (rng.random(n) < 0.25)
    )
    t_marketing_disqualified = np.where(is_mql, t_mql, t_new) + _lag(rng, n, 2 * DAY, 1.0, HOUR)

    stage = {name: i for i, name in enumerate(LEAD_STAGES)}
    pick = rng.integers(0, 1_000, n)  # one draw serves every list of reasons

    def reasons(options: Sequence[str]) -> np.ndarray:
        """Per lead, the REASONS index of one of `options`."""
        return REASONS.index(options[0]) + pick % len(options)

    rejection_reason = reasons(REJECTION_REASONS)
    disqualification_reason = reasons(DISQUALIFICATION_REASONS)
    sales_reason = reasons(SALES_DISQUALIFICATION_REASONS)
    nurture_reason = reasons(NURTURE_REASONS)
    none = np.full(n, -1)
    marketer, owner = leads.marketer, leads.owner
    verdict = np.where(rejected, stage["rejected"], stage["accepted"])
    verdict2 = np.where(rejected2, stage["rejected"], stage["accepted"])
    parts = [
        # mask, stage, time, user, reason
        (np.ones(n, bool), stage["new"], t_new, none, none),
        (is_mql, stage["mql"], t_mql, marketer, none),
        (is_sql, stage["sql"], t_sql, marketer, none),
        (is_sql, verdict, t_verdict, owner, np.where(rejected, rejection_reason, -1)),
        (nurtured, stage["nurture"], t_nurture, marketer, nurture_reason),
        (rehanded, stage["sql"], t_sql2, marketer, none),
        (rehanded, verdict2, t_verdict2, owner, np.where(rejected2, rejection_reason, -1)),
        (dropped_after_rejection, stage["disqualified"], t_dropped, marketer, rejection_reason),
        (sales_disqualified, stage["disqualified"], t_sales_disqualified, owner, sales_reason),
        (marketing_nurture, stage["nurture"], t_marketing_nurture, marketer, nurture_reason),
        (
            marketing_disqualified,
            stage["disqualified"],
            t_marketing_disqualified,
            marketer,
            disqualification_reason,
        ),
    ]
    lead_index = np.arange(n)
    columns: list[list[np.ndarray]] = [[], [], [], [], []]
    for mask, stage_code, t, user, reason in parts:
        keep = mask & (t <= last)
        columns[0].append(lead_index[keep])
        columns[1].append(np.broadcast_to(stage_code, n)[keep])
        columns[2].append(t[keep])
        columns[3].append(user[keep])
        columns[4].append(reason[keep])
    event_lead, event_stage, event_time, event_user, event_reason = (
        np.concatenate(c) for c in columns
    )
    order = np.lexsort((event_stage, event_lead, event_time))

    deal_start = np.where(has_deal, t_deal, np.where(implicit, t_implicit_deal, -1))
    deal_start = np.where(deal_start <= last, deal_start, -1)
    handover = np.where(is_sql & (t_sql <= last), t_sql, np.where(implicit, deal_start, -1))
    return _Funnel(
        event_lead=event_lead[order],
        event_stage=event_stage[order],
        event_time=event_time[order],
        event_user=event_user[order],
        event_reason=event_reason[order],
        handover=handover,
        deal_start=deal_start,
    )


# --------------------------------------------------------------------------------------------
# Deals
# --------------------------------------------------------------------------------------------


@dataclass
class _Deals:
    lead: np.ndarray  # lead index or -1
    owner: np.ndarray
    segment: np.ndarray
    currency: np.ndarray
    created: np.ndarray  # ascending, so deal numbers follow creation
    closed: np.ndarray  # may lie after the window: then the deal is still open
    won: np.ndarray
    amount_cents: np.ndarray  # in the deal's currency
    lost_reason: np.ndarray
    first_of_lead: np.ndarray  # per lead: index of its earliest deal, or -1

    @property
    def count(self) -> int:
        return self.created.size

    def closed_by(self, moment: int) -> np.ndarray:
        return self.closed <= moment


def _deal_outcomes(
    rng: np.random.Generator, created: np.ndarray, segment: np.ndarray, quality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """When each deal closes, whether it is won, and its size in base currency."""
    n = created.size
    cycle_days = np.array([p.median_cycle_days for p in SEGMENT_PROFILES])[segment]
    closed = _off_weekend(rng, created + _lag(rng, n, cycle_days * DAY, 0.55, HOUR), 0.9)
    win_rate = np.array([p.win_rate for p in SEGMENT_PROFILES])[segment]
    won = rng.random(n) < np.clip(win_rate * np.sqrt(quality), 0.05, 0.85)
    median_usd = np.array([p.median_deal_usd for p in SEGMENT_PROFILES])[segment]
    amount_usd = median_usd * np.exp(0.6 * rng.standard_normal(n))
    return closed, won, amount_usd


def _in_currency_cents(amount_usd: np.ndarray, currency: np.ndarray) -> np.ndarray:
    rate = np.array([1.0 if c == BASE_CURRENCY else FX_START_RATE[c] for c in CURRENCIES])
    step = np.array([AMOUNT_ROUNDING[c] for c in CURRENCIES])[currency]
    local = np.maximum(np.round(amount_usd / rate[currency] / step), 1) * step
    return (local * 100).astype(np.int64)


def _make_deals(
    rng: np.random.Generator, window: _Window, leads: _Leads, funnel: _Funnel, users: _Users
) -> _Deals:
    last = window.last_second
    lead = np.flatnonzero(funnel.deal_start >= 0)
    created = funnel.deal_start[lead]
    quality = _CHANNEL_QUALITY[leads.channel[lead]]
    closed, won, amount_usd = _deal_outcomes(rng, created, leads.segment[lead], quality)

    # Happy customers buy again: a smaller follow-up deal on the same lead.
    upsell = won & (closed <= last) & (rng.random(lead.size) < UPSELL_RATE)
    upsell_lead = lead[upsell]
    upsell_created = _off_weekend(
        rng, closed[upsell] + _lag(rng, int(upsell.sum()), 60 * DAY, 0.5, DAY), 0.95
    )
    u_closed, u_won, u_amount = _deal_outcomes(
        rng,
        upsell_created,
        leads.segment[upsell_lead],
        _CHANNEL_QUALITY[leads.channel[upsell_lead]],
    )

    # Deals keyed in by hand for existing customers, tied to no lead: reported as unattributed.
    leadless = max(1, round(LEADLESS_DEAL_SHARE * lead.size))
    leadless_segment = rng.choice(3, size=leadless, p=(0.2, 0.35, 0.45))
    leadless_created = _off_weekend(
        rng, rng.integers(window.first_day * DAY, last + 1, leadless), 1.0
    )
    l_closed, l_won, l_amount = _deal_outcomes(
        rng, leadless_created, leadless_segment, np.ones(leadless)
    )
    leadless_currency = rng.choice(len(CURRENCIES), size=leadless, p=(0.6, 0.25, 0.05, 0.10))

    all_lead = np.concatenate([lead, upsell_lead, np.full(leadless, -1)])
    segment = np.concatenate([leads.segment[lead], leads.segment[upsell_lead], leadless_segment])
    currency = np.concatenate(
        [leads.currency[lead], leads.currency[upsell_lead], leadless_currency]
    )
    owner = np.concatenate(
        [leads.owner[lead], leads.owner[upsell_lead], users.sales_owner(rng, leadless_segment)]
    )
    created_all = np.concatenate([created, upsell_created, leadless_created])
    closed_all = np.concatenate([closed, u_closed, l_closed])
    won_all = np.concatenate([won, u_won, l_won])
    amount_all = np.concatenate([amount_usd, u_amount * 0.35, l_amount])
    keep = created_all <= last
    order = np.lexsort((all_lead, created_all))
    order = order[keep[order]]

    lead_sorted = all_lead[order]
    n_deals = order.size
    first_of_lead = np.full(leads.count, -1)
    has_lead = lead_sorted >= 0
    # Deals are in creation order, so the first occurrence of a lead is its earliest deal.
    unique_leads, first_position = np.unique(lead_sorted[has_lead], return_index=True)
    first_of_lead[unique_leads] = np.flatnonzero(has_lead)[first_position]
    return _Deals(
        lead=lead_sorted,
        owner=owner[order],
        segment=segment[order],
        currency=currency[order],
        created=created_all[order],
        closed=closed_all[order],
        won=won_all[order],
        amount_cents=_in_currency_cents(amount_all[order], currency[order]),
        lost_reason=rng.integers(0, len(LOST_REASONS), n_deals),
        first_of_lead=first_of_lead,
    )


# --------------------------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------------------------


@dataclass
class _Activities:
    lead: np.ndarray
    deal: np.ndarray  # deal index or -1
    user: np.ndarray
    type: np.ndarray  # index into ACTIVITY_TYPES
    time: np.ndarray  # ascending

    @property
    def count(self) -> int:
        return self.time.size


def _make_activities(
    rng: np.random.Generator,
    window: _Window,
    leads: _Leads,
    funnel: _Funnel,
    deals: _Deals,
    users: _Users,
) -> _Activities:
    lead = np.flatnonzero(funnel.handover >= 0)
    segment = leads.segment[lead]
    first_deal = deals.first_of_lead[lead]
    mean = np.array([p.activities for p in SEGMENT_PROFILES])[segment] + np.where(
        first_deal >= 0, 3.0, 0.0
    )
    per_lead = 1 + rng.poisson(mean)
    row_lead = np.repeat(lead, per_lead)
    n = row_lead.size
    nth = np.arange(n) - np.repeat(np.cumsum(per_lead) - per_lead, per_lead)

    # Sales answer a handover within hours; later touches spread over the deal's life.
    first_touch = funnel.handover[row_lead] + _lag(rng, n, 3 * HOUR, 0.9, 300)
    cycle_days = np.array([p.median_cycle_days for p in SEGMENT_PROFILES])[leads.segment[row_lead]]
    span = _lag(rng, n, cycle_days * 0.6 * DAY, 0.5, HOUR)
    t = np.where(nth == 0, first_touch, first_touch + (rng.random(n) * span).astype(np.int64))
    t = _off_weekend(rng, t, 0.9)

    first_type = rng.choice(2, size=n)  # a call or an email first
    later_type = rng.choice(len(ACTIVITY_TYPES), size=n, p=(0.30, 0.40, 0.12, 0.18))
    kind = np.where(nth == 0, first_type, later_type)

    deal = np.repeat(first_deal, per_lead)
    deal = np.where((deal >= 0) & (t >= deals.created[np.maximum(deal, 0)]), deal, -1)
    user = np.where(rng.random(n) < 0.88, leads.owner[row_lead], users.any_sales_user(rng, n))
    # Touches logged on the deal alone carry no lead.
    activity_lead = np.where((deal >= 0) & (rng.random(n) < 0.08), -1, row_lead)

    keep = t <= window.last_second
    order = np.lexsort((nth, row_lead, t))
    order = order[keep[order]]
    return _Activities(
        lead=activity_lead[order],
        deal=deal[order],
        user=user[order],
        type=kind[order],
        time=t[order],
    )


# --------------------------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------------------------


@dataclass
class _Payments:
    deal: np.ndarray  # deal index, -1 none, or an index past the last deal (a dangling link)
    time: np.ndarray  # ascending
    amount_cents: np.ndarray
    currency: np.ndarray
    status: np.ndarray  # index into PAYMENT_STATUSES
    kind: np.ndarray  # index into PAYMENT_KINDS

    @property
    def count(self) -> int:
        return self.time.size


def _make_payments(rng: np.random.Generator, window: _Window, deals: _Deals) -> _Payments:
    last = window.last_second
    succeeded, failed, pending = (PAYMENT_STATUSES.index(s) for s in PAYMENT_STATUSES)
    payment, refund = (PAYMENT_KINDS.index(k) for k in PAYMENT_KINDS)

    paying = np.flatnonzero(deals.won & deals.closed_by(last))
    segment = deals.segment[paying]
    instalment_share = np.array([p.instalment_share for p in SEGMENT_PROFILES])[segment]
    max_instalments = np.array([p.max_instalments for p in SEGMENT_PROFILES])[segment]
    in_instalments = rng.random(paying.size) < instalment_share
    count = np.where(
        in_instalments, 2 + (rng.random(paying.size) * (max_instalments - 1)).astype(np.int64), 1
    )
    deal = np.repeat(paying, count)
    n = deal.size
    nth = np.arange(n) - np.repeat(np.cumsum(count) - count, count)
    first_due = deals.closed[paying] + _lag(rng, paying.size, 5 * DAY, 0.8, HOUR)
    due = np.repeat(first_due, count) + nth * (30 * DAY) + rng.integers(-2 * DAY, 2 * DAY, n)
    due = np.maximum(due, np.repeat(first_due, count))
    total = deals.amount_cents[deal]
    row_count = np.repeat(count, count)
    share = total // row_count
    # The last instalment carries the rounding remainder so instalments add up to the deal.
    amount = np.where(nth == row_count - 1, total - share * (row_count - 1), share)

    # A declined card is retried a few days later.
    retried = _at_least_one(rng, rng.random(n) < FAILED_PAYMENT_RATE, due <= last)
    retry_time = due + _lag(rng, n, 2 * DAY, 0.5, HOUR)
    settle_time = np.where(retried, retry_time, due)
    attempts_deal = np.concatenate([deal, deal[retried]])
    attempts_time = np.concatenate([settle_time, due[retried]])
    attempts_amount = np.concatenate([amount, amount[retried]])
    attempts_status = np.concatenate([np.full(n, succeeded), np.full(int(retried.sum()), failed)])
    # Card payments settle within days: recent ones, and a stuck few, are still pending.
    recent = attempts_time > last - 3 * DAY
    stuck = rng.random(attempts_time.size) < 0.005
    settled = attempts_status == succeeded
    still_pending = settled & ((recent & (rng.random(attempts_time.size) < 0.5)) | stuck)
    still_pending = _at_least_one(rng, still_pending, settled & (attempts_time <= last))
    attempts_status = np.where(still_pending, pending, attempts_status)

    refundable = attempts_status == succeeded
    refund_time = attempts_time + _lag(rng, attempts_time.size, 18 * DAY, 0.8, DAY)
    refunded = refundable & (rng.random(attempts_time.size) < REFUND_RATE)
    refunded = _at_least_one(rng, refunded, refundable & (refund_time <= last))
    m = int(refunded.sum())
    refund_time = refund_time[refunded]
    partial = rng.random(m) < 0.5
    refund_amount = np.where(
        partial,
        (attempts_amount[refunded] * rng.uniform(0.1, 0.5, m)).astype(np.int64),
        attempts_amount[refunded],
    )
    refund_settled = _at_least_one(rng, rng.random(m) < 0.93, refund_time <= last)
    refund_status = np.where(refund_settled, succeeded, pending)

    # Billing also holds payments nobody linked to a deal, or linked to a deal id that the
    # CRM does not have (deleted, or typed wrong).
    orphans = max(2, round(ORPHAN_PAYMENT_SHARE * attempts_time.size))
    orphan_deal = np.where(
        np.arange(orphans) % 2 == 0, -1, deals.count + 1_000 + np.arange(orphans)
    )
    orphan_time = rng.integers(window.first_day * DAY, last + 1, orphans)
    orphan_amount = (np.round(400 * np.exp(0.7 * rng.standard_normal(orphans))) * 100).astype(
        np.int64
    )
    orphan_currency = np.array([CURRENCIES.index("USD"), CURRENCIES.index("EUR")])[
        rng.choice(2, size=orphans)
    ]

    deal_all = np.concatenate([attempts_deal, attempts_deal[refunded], orphan_deal])
    time_all = np.concatenate([attempts_time, refund_time, orphan_time])
    amount_all = np.concatenate([attempts_amount, refund_amount, orphan_amount])
    currency_all = np.concatenate(
        [deals.currency[attempts_deal], deals.currency[attempts_deal[refunded]], orphan_currency]
    )
    status_all = np.concatenate([attempts_status, refund_status, np.full(orphans, succeeded)])
    kind_all = np.concatenate(
        [np.full(attempts_time.size, payment), np.full(m, refund), np.full(orphans, payment)]
    )
    keep = time_all <= last
    order = np.lexsort((kind_all, deal_all, time_all))
    order = order[keep[order]]
    return _Payments(
        deal=deal_all[order],
        time=time_all[order],
        amount_cents=amount_all[order],
        currency=currency_all[order],
        status=status_all[order],
        kind=kind_all[order],
    )


# --------------------------------------------------------------------------------------------
# Exchange rates
# --------------------------------------------------------------------------------------------


@dataclass
class _Fx:
    first_day: int
    published: np.ndarray  # per day from first_day: a business day with rates
    rates: dict[str, np.ndarray]  # per currency, per day from first_day (forward-filled)

    def to_base(self, cents: np.ndarray, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Amounts in base units, at the latest published rate on or before each day."""
        table = np.vstack(
            [
                np.ones(self.published.size) if c == BASE_CURRENCY else self.rates[c]
                for c in CURRENCIES
            ]
        )
        return cents / 100 * table[currency, day - self.first_day]


def _make_fx(rng: np.random.Generator, window: _Window) -> _Fx:
    # Start two weeks early so that the first days of the window have a rate to fall back on.
    first_day = window.first_day - 14
    days = np.arange(first_day, window.last_day + 1)
    holidays = {
        (date(year, month, day) - _EPOCH).days
        for year in range(window.start.year - 1, window.end.year + 1)
        for month, day in ((1, 1), (12, 25))
    }
    published = (_weekday(days) < 5) & ~np.isin(days, list(holidays))
    last_published = np.maximum.accumulate(np.where(published, np.arange(days.size), 0))
    rates = {}
    for currency in CURRENCIES:
        if currency == BASE_CURRENCY:
            continue
        steps = rng.normal(0, FX_DAILY_VOLATILITY[currency], days.size) * published
        walk = FX_START_RATE[currency] * np.exp(np.cumsum(steps))
        rates[currency] = walk[last_published]
    return _Fx(first_day=first_day, published=published, rates=rates)


# --------------------------------------------------------------------------------------------
# Rendering: numbers and codes to the text of the exports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Defect:
    """A malformed value ingestion must quarantine: the SQL that renders it, and why it is bad."""

    reason: str
    column: str
    value: str
    # Written as a line with one field too many (an unquoted comma inside the value).
    breaks_row: bool = False


@dataclass
class _Output:
    entity: Entity
    data: dict[str, np.ndarray]  # source columns, among them `seq` (row order)
    columns: dict[str, str]  # SQL expression per entity column
    defects: tuple[_Defect, ...] = ()

    @property
    def layout(self) -> str:
        if self.entity.path in DAILY_DROP_ENTITIES:
            return "daily"
        return "parquet" if self.entity.path in PARQUET_ENTITIES else "csv"


def _define_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE MACRO iso_timestamp(t, form) AS CASE
            WHEN t IS NULL OR t < 0 THEN NULL
            WHEN form = 1 THEN replace(CAST(make_timestamp((t + 10800) * 1000000) AS VARCHAR),
                                       ' ', 'T') || '+03:00'
            WHEN form = 2 THEN replace(CAST(make_timestamp((t - 18000) * 1000000) AS VARCHAR),
                                       ' ', 'T') || '-05:00'
            WHEN form = 3 THEN CAST(make_timestamp(t * 1000000) AS VARCHAR)
            ELSE replace(CAST(make_timestamp(t * 1000000) AS VARCHAR), ' ', 'T') || 'Z'
        END;
        CREATE MACRO local_style_timestamp(t) AS
            strftime(make_timestamp(t * 1000000), '%d.%m.%Y %H:%M');
        CREATE MACRO iso_day(d) AS CAST(DATE '1970-01-01' + CAST(d AS INTEGER) AS VARCHAR);
        CREATE MACRO ident(prefix, n, width) AS CASE
            WHEN n IS NULL OR n < 1 THEN NULL
            ELSE prefix || lpad(CAST(n AS VARCHAR), width, '0')
        END;
        CREATE MACRO money(cents) AS CASE
            WHEN cents IS NULL OR cents < 0 THEN NULL
            ELSE CAST(cents // 100 AS VARCHAR) || '.' || lpad(CAST(cents % 100 AS VARCHAR), 2, '0')
        END;
        CREATE MACRO odd_case(v, variant) AS CASE variant
            WHEN 1 THEN upper(v)
            WHEN 2 THEN ' ' || upper(left(v, 1)) || substr(v, 2)
            WHEN 3 THEN v || ' '
            ELSE v
        END;
        """
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _label(labels: Sequence[str], code: str) -> str:
    """SQL picking labels[code]; a negative code or an empty label gives NULL."""
    listed = "[" + ", ".join(_sql_text(v) for v in labels) + "]"
    return f"CASE WHEN {code} < 0 THEN NULL ELSE nullif({listed}[{code} + 1], '') END"


def _currency_sql(code: str, lower: str) -> str:
    """SQL for a currency code, lower-cased where `lower` holds."""
    currency = _label(CURRENCIES, code)
    return f"CASE WHEN {lower} THEN lower({currency}) ELSE {currency} END"


def _pick_defects(rng: np.random.Generator, n: int, defects: Sequence[_Defect]) -> np.ndarray:
    """Per row, 0 or the 1-based number of the defect it gets.

    A file of a hundred rows or more gets every kind at least once, so that small runs exercise
    every quarantine reason too.
    """
    picked = np.where(rng.random(n) < MALFORMED_SHARE, rng.integers(1, len(defects) + 1, n), 0)
    if n >= 100:
        for number in range(1, len(defects) + 1):
            if not (picked == number).any():
                picked[rng.choice(np.flatnonzero(picked == 0))] = number
    return picked.astype(np.int8)


def _drop_order(version_time: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Row order of versions: by the moment of the version, ties by key."""
    return np.lexsort((key, version_time))


def _render_leads(rng: np.random.Generator, window: _Window, leads: _Leads, ids: _Ids) -> _Output:
    n = leads.count
    # Re-sends in a later drop: a segment filled in, utm fields restored, or just touched.
    choice = rng.random(n)
    fixes_segment = (choice < 0.03) & (leads.segment != UNKNOWN_SEGMENT)
    fixes_utm = (
        (choice >= 0.03) & (choice < 0.05) & (leads.channel != _channel_indexes("direct")[0])
    )
    touched = (choice >= 0.05) & (choice < 0.065)
    resend_time = leads.created + _lag(rng, n, 3 * DAY, 0.8, DAY)
    resent = (fixes_segment | fixes_utm | touched) & (resend_time <= window.last_second)

    again = np.flatnonzero(resent)
    lead = np.concatenate([np.arange(n), again])
    version_time = np.concatenate([leads.created, resend_time[again]])
    is_first = np.concatenate([np.ones(n, bool), np.zeros(again.size, bool)])
    blank_segment = is_first & np.concatenate([fixes_segment & resent, np.zeros(again.size, bool)])
    blank_utm = is_first & np.concatenate([fixes_utm & resent, np.zeros(again.size, bool)])
    order = _drop_order(version_time, lead)
    lead, version_time = lead[order], version_time[order]
    blank_segment, blank_utm = blank_segment[order], blank_utm[order]
    rows = lead.size

    utm_source = np.array([UTM_SOURCES.index(u.source) for u in _UTMS])[leads.utm[lead]]
    utm_medium = np.array([UTM_MEDIUMS.index(u.medium) for u in _UTMS])[leads.utm[lead]]
    blank_label = SEGMENT_LABELS.index("")
    defects = (
        _Defect("empty key", "lead_id", "NULL"),
        _Defect("unparseable timestamp", "created_at", "local_style_timestamp(created)"),
        _Defect(
            "wrong number of fields",
            "company_name",
            f"{_label(COMPANY_STEMS, 'company')} || ', Inc'",
            breaks_row=True,
        ),
    )
    data = {
        "seq": np.arange(rows),
        "drop_day": version_time // DAY,
        "defect": _pick_defects(rng, rows, defects),
        "lead_number": lead + 1,
        "created": leads.created[lead],
        "form": rng.choice(4, size=rows, p=CRM_TIMESTAMP_FORMS),
        "first_name": leads.first_name[lead],
        "last_name": leads.last_name[lead],
        "has_email": leads.has_email[lead],
        "has_phone": leads.has_phone[lead],
        "phone_number": leads.phone_number[lead],
        "company": leads.company[lead],
        "company_suffix": leads.company_suffix[lead],
        "segment_label": np.where(blank_segment, blank_label, leads.segment_label[lead]),
        "segment_case": _variant(rng, rows, ODD_CASE_SHARE),
        "region": leads.region[lead],
        "utm_source": np.where(blank_utm, 0, utm_source),
        "utm_medium": np.where(blank_utm, 0, utm_medium),
        "campaign": np.where(blank_utm, -1, leads.campaign[lead]),
        "marketer": leads.marketer[lead],
    }
    company = _label(COMPANY_STEMS, "company")
    columns = {
        "lead_id": ids.lead("lead_number"),
        "created_at": "iso_timestamp(created, form)",
        "email": (
            f"CASE WHEN has_email THEN lower({_label(FIRST_NAMES, 'first_name')} || '.' || "
            f"{_label(LAST_NAMES, 'last_name')} || '@' || replace({company}, ' ', '') || "
            f"{_label(REGION_DOMAINS, 'region')}) END"
        ),
        "phone": (
            f"CASE WHEN has_phone THEN '+' || {_label(REGION_PHONE_CODES, 'region')} || ' ' || "
            "CAST(phone_number AS VARCHAR) END"
        ),
        "company_name": (
            f"CASE WHEN company_suffix = {len(COMPANY_SUFFIXES)} THEN {company} || ', Inc.' "
            f"ELSE {company} || ' ' || {_label(COMPANY_SUFFIXES, 'company_suffix')} END"
        ),
        "segment": f"odd_case({_label(SEGMENT_LABELS, 'segment_label')}, segment_case)",
        "region": _label(REGIONS, "region"),
        "utm_source": _label(UTM_SOURCES, "utm_source"),
        "utm_medium": _label(UTM_MEDIUMS, "utm_medium"),
        "utm_campaign": _label(CAMPAIGNS, "campaign"),
        "marketer_id": ids.user("marketer + 1"),
    }
    return _Output(entity("crm/leads"), data, columns, defects)


def _render_lead_events(
    rng: np.random.Generator, window: _Window, funnel: _Funnel, ids: _Ids
) -> _Output:
    n = funnel.event_count
    # Exports re-send a share of events unchanged in a later drop: same event_id.
    resent = rng.random(n) < 0.008
    resend_day = funnel.event_time // DAY + rng.integers(1, 6, n)
    resent &= resend_day <= window.last_day
    again = np.flatnonzero(resent)
    event = np.concatenate([np.arange(n), again])
    version_time = np.concatenate(
        [funnel.event_time, resend_day[again] * DAY + rng.integers(0, DAY, again.size)]
    )
    order = _drop_order(version_time, event)
    event, version_time = event[order], version_time[order]
    rows = event.size
    defects = (
        _Defect("empty key", "event_id", "NULL"),
        _Defect("empty required value", "lead_id", "NULL"),
        _Defect("unparseable timestamp", "occurred_at", "local_style_timestamp(occurred)"),
        _Defect("unknown stage", "stage", "'qualified'"),
        _Defect(
            "wrong number of fields", "reason", "'no budget, call back later'", breaks_row=True
        ),
    )
    data = {
        "seq": np.arange(rows),
        "drop_day": version_time // DAY,
        "defect": _pick_defects(rng, rows, defects),
        "event_number": event + 1,
        "lead_number": funnel.event_lead[event] + 1,
        "stage": funnel.event_stage[event],
        "stage_case": _variant(rng, rows, ODD_CASE_SHARE),
        "occurred": funnel.event_time[event],
        "form": rng.choice(4, size=rows, p=CRM_TIMESTAMP_FORMS),
        "user": funnel.event_user[event],
        "reason": funnel.event_reason[event],
    }
    columns = {
        "event_id": f"ident('EV-', event_number, {_id_width(n, 8)})",
        "lead_id": ids.lead("lead_number"),
        "stage": f"odd_case({_label(LEAD_STAGES, 'stage')}, stage_case)",
        "occurred_at": "iso_timestamp(occurred, form)",
        "user_id": ids.user("user + 1"),
        "reason": _label(REASONS, "reason"),
    }
    return _Output(entity("crm/lead_events"), data, columns, defects)


def _render_deals(rng: np.random.Generator, window: _Window, deals: _Deals, ids: _Ids) -> _Output:
    n = deals.count
    last = window.last_second
    open_, won, lost = (DEAL_STATUSES.index(s) for s in DEAL_STATUSES)
    is_closed = deals.closed_by(last)
    final_status = np.where(is_closed, np.where(deals.won, won, lost), open_)

    # Versions: opened (often without an amount yet), an amount revised while open, closed.
    # A deal closed on the day it was opened is exported once, already closed.
    same_day = is_closed & (deals.closed // DAY == deals.created // DAY)
    opened = ~same_day
    # The first estimate is a round number near the final amount, or not entered yet.
    estimate = np.maximum(deals.amount_cents * rng.uniform(0.8, 1.2, n) // 10_000, 1) * 10_000
    first_amount = np.where(rng.random(n) < 0.25, -1, estimate.astype(np.int64))
    alive_until = np.where(is_closed, deals.closed, last)
    revised_time = deals.created + (rng.uniform(0.3, 0.7, n) * (alive_until - deals.created))
    revised_time = revised_time.astype(np.int64)
    revised = (
        opened
        & (rng.random(n) < 0.15)
        & (revised_time // DAY > deals.created // DAY)
        & (revised_time // DAY < alive_until // DAY)
    )
    deal = np.concatenate(
        [np.flatnonzero(opened), np.flatnonzero(revised), np.flatnonzero(is_closed)]
    )
    version_time = np.concatenate(
        [deals.created[opened], revised_time[revised], deals.closed[is_closed]]
    )
    status = np.concatenate(
        [
            np.full(int(opened.sum()), open_),
            np.full(int(revised.sum()), open_),
            final_status[is_closed],
        ]
    )
    amount = np.concatenate(
        [first_amount[opened], deals.amount_cents[revised], deals.amount_cents[is_closed]]
    )

    # Some deals are exported again, unchanged, a few days after their latest version.
    order = np.lexsort((version_time, deal))
    deal, version_time, status, amount = (a[order] for a in (deal, version_time, status, amount))
    latest = np.ones(deal.size, bool)
    latest[:-1] = deal[1:] != deal[:-1]
    resend_time = version_time + _lag(rng, deal.size, 3 * DAY, 0.6, DAY)
    resent = latest & (rng.random(deal.size) < 0.04) & (resend_time <= last)
    deal = np.concatenate([deal, deal[resent]])
    version_time = np.concatenate([version_time, resend_time[resent]])
    status = np.concatenate([status, status[resent]])
    amount = np.concatenate([amount, amount[resent]])

    order = _drop_order(version_time, deal)
    deal, version_time, status, amount = (a[order] for a in (deal, version_time, status, amount))
    rows = deal.size
    closed_now = status != open_
    defects = (
        _Defect("empty key", "deal_id", "NULL"),
        _Defect("unparseable timestamp", "created_at", "local_style_timestamp(created)"),
        _Defect("negative amount", "amount", "'-' || coalesce(money(amount), '100.00')"),
        _Defect(
            "non-numeric amount",
            "amount",
            f"coalesce(money(amount), '100.00') || ' ' || {_label(CURRENCIES, 'currency')}",
        ),
        _Defect("unknown status", "status", "'pending'"),
        _Defect("wrong number of fields", "lost_reason", "'price, timing'", breaks_row=True),
    )
    data = {
        "seq": np.arange(rows),
        "drop_day": version_time // DAY,
        "defect": _pick_defects(rng, rows, defects),
        "deal_number": deal + 1,
        "lead_number": np.where(deals.lead[deal] >= 0, deals.lead[deal] + 1, -1),
        "owner": deals.owner[deal],
        "created": deals.created[deal],
        "created_form": rng.choice(4, size=rows, p=CRM_TIMESTAMP_FORMS),
        "status": status,
        "status_case": _variant(rng, rows, ODD_CASE_SHARE),
        "closed": np.where(closed_now, deals.closed[deal], -1),
        "closed_form": rng.choice(4, size=rows, p=CRM_TIMESTAMP_FORMS),
        "amount": amount,
        "currency": deals.currency[deal],
        "lower_currency": rng.random(rows) < LOWER_CASE_CURRENCY_SHARE,
        "lost_reason": np.where(status == lost, deals.lost_reason[deal], -1),
    }
    columns = {
        "deal_id": ids.deal("deal_number"),
        "lead_id": ids.lead("lead_number"),
        "owner_id": ids.user("owner + 1"),
        "created_at": "iso_timestamp(created, created_form)",
        "status": f"odd_case({_label(DEAL_STATUSES, 'status')}, status_case)",
        "closed_at": "iso_timestamp(closed, closed_form)",
        "amount": "money(amount)",
        "currency": _currency_sql("currency", "lower_currency"),
        "lost_reason": _label(LOST_REASONS, "lost_reason"),
    }
    return _Output(entity("crm/deals"), data, columns, defects)


def _render_activities(
    rng: np.random.Generator,
    window: _Window,
    activities: _Activities,
    ids: _Ids,
) -> _Output:
    n = activities.count
    resent = rng.random(n) < 0.005
    resend_day = activities.time // DAY + rng.integers(1, 4, n)
    resent &= resend_day <= window.last_day
    again = np.flatnonzero(resent)
    activity = np.concatenate([np.arange(n), again])
    version_time = np.concatenate(
        [activities.time, resend_day[again] * DAY + rng.integers(0, DAY, again.size)]
    )
    order = _drop_order(version_time, activity)
    activity, version_time = activity[order], version_time[order]
    rows = activity.size
    defects = (
        _Defect("empty required value", "user_id", "NULL"),
        _Defect("unparseable timestamp", "occurred_at", "local_style_timestamp(occurred)"),
        _Defect("unknown type", "type", "'sms'"),
        _Defect("wrong number of fields", "type", "'call,'", breaks_row=True),
    )
    lead = activities.lead[activity]
    deal = activities.deal[activity]
    data = {
        "seq": np.arange(rows),
        "drop_day": version_time // DAY,
        "defect": _pick_defects(rng, rows, defects),
        "activity_number": activity + 1,
        "lead_number": np.where(lead >= 0, lead + 1, -1),
        "deal_number": np.where(deal >= 0, deal + 1, -1),
        "user": activities.user[activity],
        "type": activities.type[activity],
        "type_case": _variant(rng, rows, ODD_CASE_SHARE),
        "occurred": activities.time[activity],
        "form": rng.choice(4, size=rows, p=CRM_TIMESTAMP_FORMS),
    }
    columns = {
        "activity_id": f"ident('A-', activity_number, {_id_width(n, 8)})",
        "lead_id": ids.lead("lead_number"),
        "deal_id": ids.deal("deal_number"),
        "user_id": ids.user("user + 1"),
        "type": f"odd_case({_label(ACTIVITY_TYPES, 'type')}, type_case)",
        "occurred_at": "iso_timestamp(occurred, form)",
    }
    return _Output(entity("crm/activities"), data, columns, defects)


def _render_users(rng: np.random.Generator, users: _Users, ids: _Ids) -> _Output:
    n = users.count
    data = {
        "seq": np.arange(n),
        "user_number": np.arange(1, n + 1),
        "first_name": users.first_name,
        "last_name": users.last_name,
        "team": users.team,
        "team_case": _variant(rng, n, 0.1),
        "segment": users.segment,
    }
    columns = {
        "user_id": ids.user("user_number"),
        "name": f"{_label(FIRST_NAMES, 'first_name')} || ' ' || {_label(LAST_NAMES, 'last_name')}",
        "team": f"odd_case({_label(('marketing', 'sales'), 'team')}, team_case)",
        "segment": _label(SEGMENTS, "segment"),
    }
    return _Output(entity("crm/users"), data, columns)


def _render_ads(rng: np.random.Generator, window: _Window, leads: _Leads) -> list[_Output]:
    outputs = []
    lead_day = leads.created // DAY - window.first_day
    for platform in AD_PLATFORMS:
        names = (*platform.campaigns, *platform.unmatched_campaigns)
        local = np.full(len(CAMPAIGNS) + 1, -1)
        for i, name in enumerate(platform.campaigns):
            local[CAMPAIGNS.index(name)] = i
        lead_campaign = local[leads.campaign]  # campaign -1 reads the trailing -1
        mine = lead_campaign >= 0
        counts = np.bincount(
            lead_campaign[mine] * window.n_days + lead_day[mine],
            minlength=len(names) * window.n_days,
        ).reshape(len(names), window.n_days)
        typical = np.maximum(counts.sum(axis=1) / window.n_days, 0.2)
        typical[len(platform.campaigns) :] = max(
            0.3 * typical[: len(platform.campaigns)].mean(), 0.2
        )

        # Spend follows the leads a campaign brings, smoothed: budgets are set per day.
        noise = np.exp(0.2 * rng.standard_normal(counts.shape))
        spend = platform.cost_per_lead * (0.5 * counts + 0.5 * typical[:, None]) * noise
        active = np.ones(counts.shape, bool)
        # Old campaigns were switched off early in the window; one campaign paused for a while.
        active[len(platform.campaigns) :, int(window.n_days * 0.45) :] = False
        paused = rng.integers(0, len(platform.campaigns))
        pause_start = rng.integers(0, max(window.n_days - 14, 1))
        active[paused, pause_start : pause_start + rng.integers(7, 15)] = False
        clicks = np.maximum(
            np.round(
                spend / platform.cost_per_click * np.exp(0.15 * rng.standard_normal(counts.shape))
            ),
            1,
        ).astype(np.int64)
        impressions = np.round(
            clicks / platform.click_through * np.exp(0.2 * rng.standard_normal(counts.shape))
        ).astype(np.int64)
        cost_cents = np.round(spend * 100).astype(np.int64)
        campaign_ids = rng.integers(
            10 ** (platform.campaign_id_digits - 1), 10**platform.campaign_id_digits, len(names)
        )

        day_index, campaign_index = np.nonzero(active.T)  # by day, then campaign
        data = {
            "seq": np.arange(day_index.size),
            "day": window.first_day + day_index,
            "campaign_id": campaign_ids[campaign_index],
            "campaign": campaign_index,
            "impressions": impressions[campaign_index, day_index],
            "clicks": clicks[campaign_index, day_index],
            "cost_cents": cost_cents[campaign_index, day_index],
        }
        name = _label(names, "campaign")
        currency = _sql_text(platform.currency)
        if platform.path == "ads/google_ads":
            columns = {
                "segments_date": "iso_day(day)",
                "campaign_id": "CAST(campaign_id AS VARCHAR)",
                "campaign_name": name,
                "metrics_impressions": "CAST(impressions AS VARCHAR)",
                "metrics_clicks": "CAST(clicks AS VARCHAR)",
                "metrics_cost_micros": "CAST(cost_cents * 10000 AS VARCHAR)",
                "customer_currency_code": currency,
            }
        elif platform.path == "ads/meta_ads":
            # Parquet keeps the connector's own types.
            columns = {
                "date_start": "CAST(DATE '1970-01-01' + CAST(day AS INTEGER) AS DATE)",
                "campaign_id": "CAST(campaign_id AS VARCHAR)",
                "campaign_name": name,
                "impressions": "CAST(impressions AS BIGINT)",
                "clicks": "CAST(clicks AS BIGINT)",
                "spend": "CAST(cost_cents / 100 AS DECIMAL(18, 2))",
                "account_currency": currency,
            }
        else:
            columns = {
                "Date": "iso_day(day)",
                "CampaignId": "CAST(campaign_id AS VARCHAR)",
                "CampaignName": name,
                "Impressions": "CAST(impressions AS VARCHAR)",
                "Clicks": "CAST(clicks AS VARCHAR)",
                "Cost": "CAST(cost_cents * 10000 AS VARCHAR)",
                "Currency": currency,
            }
        outputs.append(_Output(entity(platform.path), data, columns))
    return outputs


def _render_payments(rng: np.random.Generator, payments: _Payments, ids: _Ids) -> _Output:
    n = payments.count
    defects = (
        _Defect("empty key", "payment_id", "NULL"),
        _Defect("unparseable timestamp", "paid_at", "local_style_timestamp(paid)"),
        _Defect("negative amount", "amount", "'-' || money(amount)"),
        _Defect("non-numeric amount", "amount", "replace(money(amount), '.', ',')"),
        _Defect("unknown status", "status", "'refunded'"),
        _Defect("unknown kind", "kind", "'chargeback'"),
    )
    data = {
        "seq": np.arange(n),
        "defect": _pick_defects(rng, n, defects),
        "payment_number": np.arange(1, n + 1),
        "deal_number": np.where(payments.deal >= 0, payments.deal + 1, -1),
        "paid": payments.time,
        "form": rng.choice(4, size=n, p=PAYMENT_TIMESTAMP_FORMS),
        "amount": payments.amount_cents,
        "currency": payments.currency,
        "lower_currency": rng.random(n) < LOWER_CASE_CURRENCY_SHARE,
        "status": payments.status,
        "status_case": _variant(rng, n, ODD_CASE_SHARE),
        "kind": payments.kind,
        "kind_case": _variant(rng, n, ODD_CASE_SHARE / 2),
    }
    columns = {
        "payment_id": f"ident('P-', payment_number, {_id_width(n, 7)})",
        "deal_id": ids.deal("deal_number"),
        "paid_at": "iso_timestamp(paid, form)",
        "amount": "money(amount)",
        "currency": _currency_sql("currency", "lower_currency"),
        "status": f"odd_case({_label(PAYMENT_STATUSES, 'status')}, status_case)",
        "kind": f"odd_case({_label(PAYMENT_KINDS, 'kind')}, kind_case)",
    }
    return _Output(entity("payments/payments"), data, columns, defects)


def _render_fx(rng: np.random.Generator, fx: _Fx) -> _Output:
    days = fx.first_day + np.flatnonzero(fx.published)
    currencies = [c for c in CURRENCIES if c != BASE_CURRENCY]
    day = np.tile(days, len(currencies))
    currency = np.repeat([CURRENCIES.index(c) for c in currencies], days.size)
    rate = np.concatenate([fx.rates[c][days - fx.first_day] for c in currencies])
    order = np.lexsort((currency, day))
    day, currency, rate = day[order], currency[order], rate[order]
    # One zero rate, as feeds sometimes publish: quarantined, the day before stands in.
    defect = np.zeros(day.size, np.int8)
    if day.size > 100:
        defect[rng.integers(day.size // 2, day.size)] = 1
    data = {
        "seq": np.arange(day.size),
        "defect": defect,
        "day": day,
        "currency": currency,
        "rate": rate,
    }
    rub = CURRENCIES.index("RUB")
    columns = {
        "date": "iso_day(day)",
        "currency": _label(CURRENCIES, "currency"),
        "rate_to_base": (
            f"CASE WHEN currency = {rub} THEN printf('%.8f', rate) ELSE printf('%.6f', rate) END"
        ),
    }
    defects = (_Defect("non-positive rate", "rate_to_base", "'0'"),)
    return _Output(entity("finance/fx_rates"), data, columns, defects)


def _render_plans(
    rng: np.random.Generator,
    window: _Window,
    leads: _Leads,
    funnel: _Funnel,
    deals: _Deals,
    payments: _Payments,
    fx: _Fx,
) -> _Output:
    """Monthly plans per segment and for the company, set a little above what happened."""
    months = window.n_months
    handed = np.flatnonzero(funnel.handover >= 0)
    sql_actual = np.zeros((months, len(SEGMENT_PROFILES)))
    np.add.at(
        sql_actual,
        (_month_of(funnel.handover[handed]) - window.first_month, leads.segment[handed]),
        1,
    )
    succeeded = payments.status == PAYMENT_STATUSES.index("succeeded")
    sign = np.where(payments.kind == PAYMENT_KINDS.index("refund"), -1.0, 1.0)
    in_base = fx.to_base(payments.amount_cents, payments.currency, payments.time // DAY) * sign
    # Payments without a known deal have no segment: they count in the company total only.
    segment_of_deal = np.append(deals.segment, UNKNOWN_SEGMENT)
    linked = (payments.deal >= 0) & (payments.deal < deals.count)
    segment = segment_of_deal[np.where(linked, payments.deal, deals.count)]
    revenue_actual = np.zeros((months, len(SEGMENT_PROFILES)))
    np.add.at(
        revenue_actual,
        (_month_of(payments.time[succeeded]) - window.first_month, segment[succeeded]),
        in_base[succeeded],
    )

    def planned(actual: np.ndarray, unit: float) -> np.ndarray:
        # Plans aim above the run rate, and the first months were planned on the steady
        # state, not on the ramp-up that data starting in the middle of a funnel shows.
        steady = np.maximum(actual, 0.6 * actual.mean(axis=0))
        noisy = steady * rng.uniform(0.92, 1.22, actual.shape)
        return np.maximum(np.round(noisy / unit), 1) * unit

    month, plan_segment, metric, value = [], [], [], []
    for metric_name, actual, unit in (("sql", sql_actual, 1.0), ("revenue", revenue_actual, 1e3)):
        by_segment = planned(actual[:, : len(SEGMENTS)], unit)
        # The company plan is set top-down: close to, not exactly, the sum of the segments.
        company = np.round(by_segment.sum(axis=1) * rng.uniform(0.98, 1.06, months) / unit) * unit
        for m in range(months):
            for s in range(len(PLAN_SEGMENTS)):
                month.append(m)
                plan_segment.append(s)
                metric.append(PLAN_METRICS.index(metric_name))
                value.append(by_segment[m, s] if s < len(SEGMENTS) else company[m])
    n = len(value)
    data = {
        "seq": np.arange(n),
        "month": np.array(month),
        "segment": np.array(plan_segment),
        "segment_case": _variant(rng, n, 0.05),
        "metric": np.array(metric),
        "metric_case": _variant(rng, n, 0.03, variants=1),
        "plan_value": np.array(value, dtype=np.int64),
    }
    columns = {
        "month": _label(window.month_labels(), "month"),
        "segment": f"odd_case({_label(PLAN_SEGMENTS, 'segment')}, segment_case)",
        "metric": f"odd_case({_label(PLAN_METRICS, 'metric')}, metric_case)",
        "plan_value": "CAST(plan_value AS VARCHAR)",
    }
    return _Output(entity("finance/plans"), data, columns)


def _render_marketing_costs(rng: np.random.Generator, window: _Window, leads: int) -> _Output:
    """Monthly invoices of agencies, venues and tools, sized to the business."""
    scale = leads / 10_000
    shares = np.array([c.month_share for c in MARKETING_COSTS])
    typical = np.array([c.monthly_amount for c in MARKETING_COSTS]) * scale
    months = window.n_months
    active = rng.random((months, shares.size)) < shares
    amount = typical * np.exp(0.25 * rng.standard_normal((months, shares.size)))
    month, item = np.nonzero(active)
    n = month.size
    data = {
        "seq": np.arange(n),
        "month": month,
        "item": item,
        "amount": np.maximum(np.round(amount[month, item] * 100), 1).astype(np.int64),
        "lower_currency": rng.random(n) < LOWER_CASE_CURRENCY_SHARE,
    }
    currency = _label([c.currency for c in MARKETING_COSTS], "item")
    columns = {
        "month": _label(window.month_labels(), "month"),
        "channel": _label([c.channel for c in MARKETING_COSTS], "item"),
        "category": _label([c.category for c in MARKETING_COSTS], "item"),
        "amount": "money(amount)",
        "currency": f"CASE WHEN lower_currency THEN lower({currency}) ELSE {currency} END",
    }
    return _Output(entity("finance/marketing_costs"), data, columns)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _csv_field(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _clear(target: Path) -> None:
    """Remove an entity's previous output, in whichever layout it was written."""
    if target.is_dir():
        shutil.rmtree(target)
    for suffix in (".csv", ".parquet"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _write_output(
    con: duckdb.DuckDBPyConnection, out: Path, output: _Output
) -> tuple[int, dict[str, int]]:
    """Render `output` with DuckDB and write it in its layout.

    Returns the data rows written and, per reason, how many of them are malformed.
    """
    names = [c.name for c in output.entity.columns]
    if list(output.columns) != names:
        raise ValueError(f"{output.entity.path}: columns {list(output.columns)} != {names}")
    expressions = dict(output.columns)
    breaking = 0
    for number, defect in enumerate(output.defects, 1):
        expressions[defect.column] = (
            f"CASE WHEN defect = {number} THEN {defect.value} ELSE {expressions[defect.column]} END"
        )
        if defect.breaks_row:
            breaking = number
    drop_day = "drop_day" if "drop_day" in output.data else "0"
    broken = f"defect = {breaking}" if breaking else "false"
    select = ", ".join(f'{expr} AS "{name}"' for name, expr in expressions.items())
    con.register("source_rows", output.data)
    con.execute(
        f"CREATE OR REPLACE TABLE rendered AS SELECT seq, {drop_day} AS drop_day, "
        f"{broken} AS broken, {select} FROM source_rows"
    )
    con.unregister("source_rows")
    (row_count,) = con.execute("SELECT count(*) FROM rendered").fetchone()
    malformed: dict[str, int] = {}
    if output.defects:
        per_defect = np.bincount(output.data["defect"], minlength=len(output.defects) + 1)
        for defect, count in zip(output.defects, per_defect[1:], strict=True):
            if count:
                malformed[defect.reason] = malformed.get(defect.reason, 0) + int(count)
    quoted = ", ".join(f'"{name}"' for name in names)

    target = out / output.entity.path
    _clear(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if output.layout == "parquet":
        if breaking:
            raise ValueError(f"{output.entity.path}: a Parquet file cannot hold a broken row")
        path = _sql_text(f"{target}.parquet")
        con.execute(f"COPY (SELECT {quoted} FROM rendered ORDER BY seq) TO {path} (FORMAT parquet)")
        return row_count, malformed

    if output.layout == "daily":
        target.mkdir()
        days = con.execute("SELECT DISTINCT drop_day FROM rendered ORDER BY 1").fetchall()
        files = {day: target / f"{_EPOCH + timedelta(days=day)}.csv" for (day,) in days}
    else:
        files = {0: Path(f"{target}.csv")}
    for day, path in files.items():
        con.execute(
            f"COPY (SELECT {quoted} FROM rendered WHERE drop_day = {day} AND NOT broken) "
            f"TO {_sql_text(str(path))} (FORMAT csv, HEADER)"
        )
    if breaking:
        # The value with the stray comma is written unquoted, so its line has a field too many.
        raw = names.index(output.defects[breaking - 1].column)
        lines: dict[int, list[str]] = {}
        for day, *values in con.execute(
            f"SELECT drop_day, {quoted} FROM rendered WHERE broken ORDER BY seq"
        ).fetchall():
            fields = (v if i == raw else _csv_field(v) for i, v in enumerate(values))
            lines.setdefault(day, []).append(",".join(fields) + "\n")
        for day, day_lines in lines.items():
            with files[day].open("a", encoding="utf-8", newline="") as f:
                f.writelines(day_lines)
    return row_count, malformed
