"""Run settings of SPEC §2/§4: one name each as CLI flag, environment variable and dbt var."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestration.lib.targets import DEFAULT_TARGET, TARGETS

ENV_PREFIX = "ONEFUNNEL_"
DEFAULT_LANDING = Path("data/landing")
DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    landing: Path = DEFAULT_LANDING
    warehouse: Path = DEFAULT_WAREHOUSE
    timezone: str = "UTC"
    base_currency: str = "USD"
    # None means "today in `timezone`", decided when a run starts, not when code loads.
    as_of: date | None = None
    # where dbt builds and publication publishes (orchestration.lib.targets)
    target: str = DEFAULT_TARGET

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", self.target.strip().lower())
        if self.target not in TARGETS:
            raise SettingsError(
                f"target: unknown target {self.target!r} (one of {', '.join(TARGETS)})"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"timezone: unknown time zone {self.timezone!r}") from exc
        if not re.fullmatch(r"[A-Za-z]{3}", self.base_currency):
            raise SettingsError(f"base_currency: {self.base_currency!r} is not an ISO-4217 code")
        object.__setattr__(self, "base_currency", self.base_currency.upper())
        object.__setattr__(self, "landing", Path(self.landing).expanduser().absolute())
        object.__setattr__(self, "warehouse", Path(self.warehouse).expanduser().absolute())

    @classmethod
    def resolve(cls, environ: dict[str, str] | None = None, **flags) -> Settings:
        """Flags win over the environment, the environment over the defaults."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for name in ("landing", "warehouse", "timezone", "base_currency", "as_of", "target"):
            value = flags.get(name)
            if value is None:
                value = environ.get(ENV_PREFIX + name.upper()) or None
            if value is not None:
                values[name] = value
        if isinstance(values.get("as_of"), str):
            values["as_of"] = parse_as_of(values["as_of"])
        return cls(**values)

    @property
    def candidate(self) -> Path:
        """The file every step of a run writes: published only once every blocking check passed."""
        return self._beside_warehouse(".candidate.duckdb")

    @property
    def previous(self) -> Path:
        """The set published before the current one, kept for `onefunnel rollback`."""
        return self._beside_warehouse(".previous.duckdb")

    @property
    def data_docs(self) -> Path:
        """Great Expectations Data Docs of the runs against this warehouse (static HTML)."""
        return self._beside_warehouse(".data_docs")

    @property
    def validation_results(self) -> Path:
        return self._beside_warehouse(".validations")

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts of the runs against this warehouse, its partial-parse state among
        them. dbt parses the whole project again when the connection differs from the one the
        state was saved with, and the connection names the candidate file: a folder per
        warehouse keeps the state of yesterday's run valid for today's."""
        return self._beside_warehouse(".dbt")

    @property
    def spark_dir(self) -> Path:
        """The spark target's Spark warehouse and metastore: one per warehouse file, so the
        run lock that keeps two runs of a warehouse apart keeps its Spark tables apart too."""
        return self._beside_warehouse(".spark")

    def candidate_schema(self, schema: str) -> str:
        """Where this run's dbt builds `schema` (`marts` → `marts_candidate` on PostgreSQL);
        `raw`, written by ingestion, keeps its name."""
        if schema == "raw":
            return schema
        return schema + TARGETS[self.target].candidate_schema_suffix

    def _beside_warehouse(self, suffix: str) -> Path:
        stem = self.warehouse.name.removesuffix(self.warehouse.suffix)
        return self.warehouse.with_name(stem + suffix)

    def reporting_date(self) -> date:
        """`as_of`, or today in the reporting time zone."""
        return self.as_of or datetime.now(ZoneInfo(self.timezone)).date()

    def end_of_day_utc(self, day: date) -> datetime:
        """The instant, in UTC without a zone as the warehouse stores instants, at which the day
        after `day` begins in the reporting time zone: an instant before it is dated on or
        before `day`."""
        return day_start_utc(day + timedelta(days=1), self.timezone)

    def for_run(self) -> Settings:
        """These settings with `as_of` fixed, so every step of one run counts the same day."""
        return replace(self, as_of=self.reporting_date())

    def dbt_vars(self) -> dict[str, str]:
        return {
            "timezone": self.timezone,
            "base_currency": self.base_currency,
            "as_of": self.reporting_date().isoformat(),
        }

    def environment(self) -> dict[str, str]:
        """The settings as environment variables, for dbt's profile and child processes."""
        return {
            ENV_PREFIX + "LANDING": str(self.landing),
            ENV_PREFIX + "WAREHOUSE": str(self.warehouse),
            # dbt builds into the candidate; only publication writes the warehouse readers open
            ENV_PREFIX + "CANDIDATE": str(self.candidate),
            ENV_PREFIX + "TIMEZONE": self.timezone,
            ENV_PREFIX + "BASE_CURRENCY": self.base_currency,
            ENV_PREFIX + "AS_OF": self.reporting_date().isoformat(),
            # profiles.yml picks its output by the target, generate_schema_name the suffix
            ENV_PREFIX + "TARGET": self.target,
            ENV_PREFIX + "SCHEMA_SUFFIX": TARGETS[self.target].candidate_schema_suffix,
            # profiles.yml's `spark` output keeps its tables there (read by no other target)
            **({ENV_PREFIX + "SPARK_DIR": str(self.spark_dir)} if self.target == "spark" else {}),
        }


def day_start_utc(day: date, timezone: str) -> datetime:
    """The instant, in UTC without a zone as the warehouse stores instants, at which `day`
    begins in `timezone`."""
    local_start = datetime.combine(day, time(), ZoneInfo(timezone))
    return local_start.astimezone(UTC).replace(tzinfo=None)


def parse_as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise SettingsError(f"as_of: {value!r} is not a date in YYYY-MM-DD form") from exc
