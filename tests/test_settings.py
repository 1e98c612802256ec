from datetime import date
from pathlib import Path

import pytest

from orchestration.lib.settings import Settings, SettingsError


def test_defaults_when_nothing_is_set():
    settings = Settings.resolve(environ={})
    assert settings.timezone == "UTC"
    assert settings.base_currency == "USD"
    assert settings.as_of is None
    assert settings.warehouse == Path("data/warehouse.duckdb").absolute()


def test_flags_win_over_environment():
    environ = {
        "ONEFUNNEL_TIMEZONE": "Europe/Moscow",
        "ONEFUNNEL_BASE_CURRENCY": "eur",
        "ONEFUNNEL_AS_OF": "2026-03-31",
        "ONEFUNNEL_LANDING": "/srv/landing",
    }
    settings = Settings.resolve(environ=environ, timezone="Asia/Tokyo", as_of="2026-04-30")
    assert settings.timezone == "Asia/Tokyo"
    assert settings.base_currency == "EUR"
    assert settings.as_of == date(2026, 4, 30)
    assert settings.landing == Path("/srv/landing")


def test_dbt_vars_fix_the_reporting_date():
    settings = Settings.resolve(environ={}, timezone="Europe/Moscow", as_of="2026-02-28")
    assert settings.dbt_vars() == {
        "timezone": "Europe/Moscow",
        "base_currency": "USD",
        "as_of": "2026-02-28",
    }
    assert Settings.resolve(environ={}).for_run().as_of is not None


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"base_currency": "dollars"}, "base_currency"),
        ({"as_of": "31.03.2026"}, "as_of"),
    ],
)
def test_bad_settings_are_named(flags, named):
    with pytest.raises(SettingsError, match=named):
        Settings.resolve(environ={}, **flags)
