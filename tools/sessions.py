"""Trading sessions (Asia, London, New York) and ICT kill zones, defined in New York time so
daylight saving is handled by the tz database.

`session_state(at)` says which sessions and kill zone are live at a moment. Nothing is live during
the FX weekend (Friday 17:00 to Sunday 17:00 New York): a window that would open then is skipped
and one still open when the weekend starts ends with it.
"""

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

NEW_YORK = ZoneInfo("America/New_York")
FX_WEEK_CLOSE = time(17, 0)  # New York; Friday close and Sunday reopen
_FRIDAY, _SUNDAY = 4, 6
# Far enough ahead to cross a weekend even when only one kill zone is configured.
_LOOKAHEAD_DAYS = 9


class Window(BaseModel):
    """A daily window in New York local time; end < start means it crosses midnight."""

    name: str
    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError(f"window {self.name!r} starts and ends at {self.start:%H:%M}")
        return self


class SessionWindows(BaseModel):
    sessions: list[Window]
    kill_zones: list[Window]

    @model_validator(mode="after")
    def _has_kill_zone(self) -> Self:
        if not self.kill_zones:
            raise ValueError("at least one kill zone is needed to say when the next one starts")
        return self


DEFAULT_WINDOWS = SessionWindows(
    sessions=[
        Window(name="asia", start=time(19, 0), end=time(4, 0)),
        Window(name="london", start=time(3, 0), end=time(12, 0)),
        Window(name="new_york", start=time(8, 0), end=time(17, 0)),
    ],
    kill_zones=[
        Window(name="asia_kz", start=time(20, 0), end=time(0, 0)),
        Window(name="london_kz", start=time(2, 0), end=time(5, 0)),
        Window(name="new_york_kz", start=time(7, 0), end=time(10, 0)),
        Window(name="london_close_kz", start=time(10, 0), end=time(12, 0)),
    ],
)


class SessionState(BaseModel):
    at: datetime = Field(description="The moment asked about, UTC")
    new_york_time: datetime
    open_sessions: list[str]
    current_session: str | None = Field(description="Most recently opened of the open ones")
    session_minutes_remaining: int | None
    kill_zone: str | None
    kill_zone_active: bool
    kill_zone_minutes_remaining: int | None
    next_kill_zone: str
    next_kill_zone_start: datetime = Field(description="UTC")
    is_weekend: bool


class _Occurrence(NamedTuple):
    """One day's instance of a window, in UTC."""

    name: str
    start: datetime
    end: datetime


def session_state(at: datetime, windows: SessionWindows = DEFAULT_WINDOWS) -> SessionState:
    """Sessions and kill zones at `at` (tz-aware). Minutes remaining are rounded up, so a window
    with seconds left still reports 1."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"session_state needs a timezone-aware datetime, got {at!r}")
    at_utc = at.astimezone(UTC)
    today = at_utc.astimezone(NEW_YORK).date()
    sessions = _live(windows.sessions, today, at_utc)
    zones = _live(windows.kill_zones, today, at_utc)
    current = max(sessions, key=lambda o: o.start, default=None)
    zone = max(zones, key=lambda o: o.start, default=None)
    upcoming = _next_start(windows.kill_zones, today, at_utc)
    return SessionState(
        at=at_utc,
        new_york_time=at_utc.astimezone(NEW_YORK),
        open_sessions=[o.name for o in sorted(sessions, key=lambda o: o.start)],
        current_session=current.name if current else None,
        session_minutes_remaining=_minutes_until(current.end, at_utc) if current else None,
        kill_zone=zone.name if zone else None,
        kill_zone_active=zone is not None,
        kill_zone_minutes_remaining=_minutes_until(zone.end, at_utc) if zone else None,
        next_kill_zone=upcoming.name,
        next_kill_zone_start=upcoming.start,
        is_weekend=is_fx_weekend(at_utc),
    )


def is_fx_weekend(at: datetime) -> bool:
    """True from Friday 17:00 to Sunday 17:00 New York time."""
    ny = at.astimezone(NEW_YORK)
    weekday, clock = ny.weekday(), ny.time()
    if weekday == _FRIDAY:
        return clock >= FX_WEEK_CLOSE
    if weekday == _SUNDAY:
        return clock < FX_WEEK_CLOSE
    return weekday > _FRIDAY


def parse_windows(mapping: Mapping[str, Mapping[str, str]]) -> SessionWindows:
    """Windows from configuration such as
    {"sessions": {"london": "03:00-12:00"}, "kill_zones": {"london_kz": "02:00-05:00"}}.

    Times are New York local "HH:MM-HH:MM"; an end of 00:00 or 24:00 means midnight. A section
    left out keeps its defaults. Raises ValueError naming the bad entry."""
    unknown = set(mapping) - {"sessions", "kill_zones"}
    if unknown:
        raise ValueError(f"unknown section(s) {sorted(unknown)}: use 'sessions' or 'kill_zones'")
    sections = {
        section: (
            [_parse_entry(section, name, text) for name, text in mapping[section].items()]
            if section in mapping
            else getattr(DEFAULT_WINDOWS, section)
        )
        for section in ("sessions", "kill_zones")
    }
    return SessionWindows(**sections)


def _parse_entry(section: str, name: str, text: str) -> Window:
    try:
        start_text, end_text = str(text).split("-")
        return Window(name=name, start=_parse_clock(start_text), end=_parse_clock(end_text))
    except ValueError as exc:
        raise ValueError(
            f"{section}.{name}: expected 'HH:MM-HH:MM' in New York time, got {text!r} ({exc})"
        ) from None


def _parse_clock(text: str) -> time:
    text = text.strip()
    if text == "24:00":
        return time(0, 0)
    return datetime.strptime(text, "%H:%M").time()


def _occurrence(window: Window, day: date) -> _Occurrence:
    """The window opening on `day`, converted to UTC (comparing aware datetimes that share a
    ZoneInfo compares wall clocks, which is wrong across DST changes)."""
    end_day = day if window.end > window.start else day + timedelta(days=1)
    start = datetime.combine(day, window.start, NEW_YORK).astimezone(UTC)
    end = datetime.combine(end_day, window.end, NEW_YORK).astimezone(UTC)
    return _Occurrence(window.name, start, min(end, _weekend_start_after(start)))


def _weekend_start_after(moment: datetime) -> datetime:
    ny = moment.astimezone(NEW_YORK)
    friday = ny.date() + timedelta(days=(_FRIDAY - ny.weekday()) % 7)
    close = datetime.combine(friday, FX_WEEK_CLOSE, NEW_YORK).astimezone(UTC)
    return close if close > moment else close + timedelta(days=7)


def _trading_occurrences(windows: list[Window], days: range, today: date) -> list[_Occurrence]:
    found = [_occurrence(w, today + timedelta(days=offset)) for offset in days for w in windows]
    return [o for o in found if not is_fx_weekend(o.start)]


def _live(windows: list[Window], today: date, at: datetime) -> list[_Occurrence]:
    # A window open now opened today or, if it crosses midnight, yesterday.
    return [o for o in _trading_occurrences(windows, range(-1, 1), today) if o.start <= at < o.end]


def _next_start(windows: list[Window], today: date, at: datetime) -> _Occurrence:
    candidates = _trading_occurrences(windows, range(_LOOKAHEAD_DAYS), today)
    return min((o for o in candidates if o.start > at), key=lambda o: o.start)


def _minutes_until(end: datetime, at: datetime) -> int:
    return math.ceil((end - at).total_seconds() / 60)
