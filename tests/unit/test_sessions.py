from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tools.sessions import DEFAULT_WINDOWS, parse_windows, session_state

NY = ZoneInfo("America/New_York")


def ny(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Wednesday 2026-11-18, New York standard time.
@pytest.mark.parametrize(
    ("hour", "minute", "open_sessions", "current", "kill_zone"),
    [
        (20, 30, ["asia"], "asia", "asia_kz"),
        (3, 30, ["asia", "london"], "london", "london_kz"),
        (9, 0, ["london", "new_york"], "new_york", "new_york_kz"),
        (11, 0, ["london", "new_york"], "new_york", "london_close_kz"),
        (13, 0, ["new_york"], "new_york", None),
        (17, 30, [], None, None),
    ],
)
def test_session_state_when_weekday_hour_then_reports_sessions_and_kill_zone(
    hour: int, minute: int, open_sessions: list[str], current: str | None, kill_zone: str | None
) -> None:
    state = session_state(ny(2026, 11, 18, hour, minute))

    assert state.open_sessions == open_sessions
    assert state.current_session == current
    assert state.kill_zone == kill_zone
    assert state.kill_zone_active is (kill_zone is not None)
    assert state.is_weekend is False


def test_session_state_when_in_session_and_kill_zone_then_counts_minutes_to_their_ends() -> None:
    state = session_state(ny(2026, 11, 18, 11, 15))

    assert state.session_minutes_remaining == 345  # new_york ends 17:00
    assert state.kill_zone_minutes_remaining == 45  # london_close_kz ends 12:00


def test_session_state_when_seconds_remain_then_minutes_round_up() -> None:
    state = session_state(ny(2026, 11, 18, 11, 59, 30))

    assert state.kill_zone == "london_close_kz"
    assert state.kill_zone_minutes_remaining == 1


def test_session_state_when_outside_windows_then_minutes_are_none() -> None:
    state = session_state(ny(2026, 11, 18, 18, 0))

    assert state.session_minutes_remaining is None
    assert state.kill_zone_minutes_remaining is None


def test_session_state_when_given_other_zone_then_reports_utc_and_new_york_times() -> None:
    tokyo = datetime(2026, 11, 18, 23, 0, tzinfo=ZoneInfo("Asia/Tokyo"))

    state = session_state(tokyo)

    assert state.at == utc(2026, 11, 18, 14, 0)
    assert state.at.utcoffset() == timedelta(0)
    assert state.new_york_time.replace(tzinfo=None) == datetime(2026, 11, 18, 9, 0)
    assert state.current_session == "new_york"


def test_session_state_when_naive_datetime_then_raises_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        session_state(datetime(2026, 11, 18, 9, 0))


@pytest.mark.parametrize(
    ("at", "london_kz_utc"),
    [
        (utc(2027, 1, 12, 5, 30), utc(2027, 1, 12, 7, 0)),  # winter: EST, UTC-5
        (utc(2026, 7, 14, 4, 30), utc(2026, 7, 14, 6, 0)),  # summer: EDT, UTC-4
    ],
)
def test_session_state_when_season_changes_then_london_kz_start_shifts_in_utc(
    at: datetime, london_kz_utc: datetime
) -> None:
    state = session_state(at)

    assert state.next_kill_zone == "london_kz"
    assert state.next_kill_zone_start == london_kz_utc


@pytest.mark.parametrize(
    ("at", "active"),
    [
        (utc(2026, 3, 6, 6, 30), False),  # Friday before US DST: kz opens 07:00 UTC
        (utc(2026, 3, 6, 7, 30), True),
        (utc(2026, 3, 9, 6, 30), True),  # Monday after US DST starts: kz opens 06:00 UTC
        (utc(2026, 3, 9, 9, 30), False),  # ... and closes 09:00 UTC
    ],
)
def test_session_state_when_us_dst_starts_then_london_kz_shifts_in_utc(
    at: datetime, active: bool
) -> None:
    state = session_state(at)

    assert (state.kill_zone == "london_kz") is active


@pytest.mark.parametrize(
    "at",
    [
        utc(2026, 3, 18, 6, 0),  # US on DST (from 8 Mar), UK not yet (29 Mar)
        utc(2026, 10, 28, 6, 0),  # UK back on GMT (25 Oct), US still on DST (to 1 Nov)
    ],
)
def test_session_state_when_only_us_on_dst_then_windows_follow_new_york(at: datetime) -> None:
    state = session_state(at)

    assert state.new_york_time.time() == time(2, 0)
    assert state.kill_zone == "london_kz"
    assert state.kill_zone_minutes_remaining == 180


def test_session_state_when_after_midnight_then_asia_from_previous_evening_is_open() -> None:
    state = session_state(ny(2026, 11, 18, 0, 30))

    assert state.open_sessions == ["asia"]
    assert state.session_minutes_remaining == 210  # asia ends 04:00


def test_session_state_when_asia_kz_ends_at_midnight_then_it_is_open_until_then() -> None:
    before = session_state(ny(2026, 11, 17, 23, 59))
    at_midnight = session_state(ny(2026, 11, 18, 0, 0))

    assert before.kill_zone == "asia_kz"
    assert before.kill_zone_minutes_remaining == 1
    assert at_midnight.kill_zone is None


def test_session_state_when_kill_zone_active_then_next_is_the_one_after_it() -> None:
    state = session_state(ny(2026, 11, 18, 8, 0))

    assert state.kill_zone == "new_york_kz"
    assert state.next_kill_zone == "london_close_kz"
    assert state.next_kill_zone_start == ny(2026, 11, 18, 10, 0).astimezone(UTC)


def test_session_state_when_evening_kill_zone_active_then_next_is_tomorrows_london_kz() -> None:
    state = session_state(ny(2026, 11, 18, 21, 0))

    assert state.kill_zone == "asia_kz"
    assert state.next_kill_zone == "london_kz"
    assert state.next_kill_zone_start == utc(2026, 11, 19, 7, 0)


def test_session_state_when_next_start_is_reported_then_it_is_utc() -> None:
    state = session_state(ny(2026, 11, 18, 12, 30))

    assert state.next_kill_zone == "asia_kz"
    assert state.next_kill_zone_start == utc(2026, 11, 19, 1, 0)
    assert state.next_kill_zone_start.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("at", "weekend"),
    [
        (ny(2026, 11, 20, 16, 59), False),  # Friday just before the close
        (ny(2026, 11, 20, 17, 0), True),
        (ny(2026, 11, 21, 12, 0), True),  # Saturday
        (ny(2026, 11, 22, 16, 59), True),
        (ny(2026, 11, 22, 17, 0), False),  # Sunday reopen
    ],
)
def test_session_state_when_fx_week_closes_then_weekend_flag_follows_new_york_17h(
    at: datetime, weekend: bool
) -> None:
    assert session_state(at).is_weekend is weekend


def test_session_state_when_friday_close_nears_then_new_york_ends_with_the_week() -> None:
    state = session_state(ny(2026, 11, 20, 16, 59))

    assert state.current_session == "new_york"
    assert state.session_minutes_remaining == 1


def test_session_state_when_weekend_then_nothing_is_open_and_next_kz_is_sunday_asia() -> None:
    friday_evening = session_state(ny(2026, 11, 20, 20, 30))  # asia_kz time, but weekend

    assert friday_evening.open_sessions == []
    assert friday_evening.kill_zone is None
    assert friday_evening.next_kill_zone == "asia_kz"
    assert friday_evening.next_kill_zone_start == ny(2026, 11, 22, 20, 0).astimezone(UTC)


def test_session_state_when_sunday_evening_then_asia_reopens() -> None:
    state = session_state(ny(2026, 11, 22, 19, 30))

    assert state.is_weekend is False
    assert state.open_sessions == ["asia"]


def test_parse_windows_when_valid_mapping_then_builds_windows_and_keeps_missing_section() -> None:
    windows = parse_windows({"sessions": {"london": "02:00-11:00", "asia": "18:00-24:00"}})

    assert [(w.name, w.start, w.end) for w in windows.sessions] == [
        ("london", time(2, 0), time(11, 0)),
        ("asia", time(18, 0), time(0, 0)),
    ]
    assert windows.kill_zones == DEFAULT_WINDOWS.kill_zones


def test_session_state_when_custom_kill_zone_then_uses_it() -> None:
    windows = parse_windows({"kill_zones": {"silver_bullet": "10:00-11:00"}})

    state = session_state(ny(2026, 11, 18, 10, 30), windows)

    assert state.kill_zone == "silver_bullet"
    assert state.next_kill_zone == "silver_bullet"
    assert state.next_kill_zone_start == ny(2026, 11, 19, 10, 0).astimezone(UTC)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"sessions": {"london": "3am-noon"}}, "sessions.london"),
        ({"kill_zones": {"london_kz": "02:00"}}, "kill_zones.london_kz"),
        ({"kill_zones": {"late": "25:00-26:00"}}, "kill_zones.late"),
        ({"sessions": {"flat": "09:00-09:00"}}, "sessions.flat"),
        ({"kill_zones": {}}, "at least one kill zone"),
        ({"killzones": {"x": "01:00-02:00"}}, "unknown section"),
    ],
)
def test_parse_windows_when_entry_is_bad_then_value_error_names_it(
    mapping: dict[str, dict[str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_windows(mapping)


def test_session_state_when_fixed_offset_input_then_same_as_utc_input() -> None:
    at = datetime(2026, 11, 18, 9, 0, tzinfo=timezone(timedelta(hours=-5)))

    assert session_state(at) == session_state(at.astimezone(UTC))
