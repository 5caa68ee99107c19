"""Economic calendar: the common weekly JSON export or CSV, from a URL or a file.

`load_calendar` never raises on feed problems: a feed that is down, slow, malformed or has one bad
row gives ok=False, no events and a one-line error naming the source and the problem. A single bad
row rejects the whole feed, because a half-read calendar would silently hide a blackout.

Impact "Holiday" and "Non-Economic" rows are skipped: they carry no market-moving release, and
filing them as low impact would make them look like data.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field

from tools.errors import FeedError
from tools.feeds import display_name, read_source

SAMPLE_CALENDAR = Path(__file__).parent / "samples" / "calendar.json"


class Impact(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


_IMPACT_RANK = {Impact.LOW: 0, Impact.MEDIUM: 1, Impact.HIGH: 2}
_SKIPPED_IMPACTS = {"holiday", "non-economic"}
_NEW_YORK = ZoneInfo("America/New_York")


class CalendarEvent(BaseModel):
    title: str
    currency: str
    time: datetime = Field(description="UTC")
    impact: Impact
    forecast: str | None = None
    previous: str | None = None
    actual: str | None = None


class CalendarResult(BaseModel):
    events: list[CalendarEvent] = Field(default_factory=list)
    ok: bool = True
    error: str | None = None
    source: str = ""


def load_calendar(
    source: str | Path,
    *,
    client: httpx.Client | None = None,
    timeout: float = 5.0,
    timezone: str = "UTC",
) -> CalendarResult:
    """Events from a JSON export or CSV at a URL or path, sorted by time, in UTC.

    `timezone` applies only to timestamps written without an offset (some CSV exports)."""
    zone = ZoneInfo(timezone)
    name = display_name(source)
    try:
        events = parse_calendar(read_source(source, client=client, timeout=timeout), zone)
    except FeedError as exc:
        return CalendarResult(ok=False, error=f"calendar {name}: {exc}", source=name)
    return CalendarResult(events=sorted(events, key=lambda e: e.time), source=name)


def parse_calendar(data: bytes, zone: tzinfo = UTC) -> list[CalendarEvent]:
    """Events from the bytes of a JSON export or a CSV; raises FeedError naming the bad row."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return _parse_json(data, zone)
    if head == b"<":
        raise FeedError("got HTML or XML, expected a JSON or CSV calendar")
    return _parse_csv(data, zone)


def events_near(
    result_or_events: CalendarResult | Iterable[CalendarEvent],
    currencies: Iterable[str],
    at: datetime,
    minutes: float,
    min_impact: Impact = Impact.HIGH,
) -> list[CalendarEvent]:
    """Events for `currencies` at `min_impact` or above within ±`minutes` of `at` (edges
    included), sorted by time."""
    if minutes < 0:
        raise ValueError(f"minutes must be >= 0, got {minutes}")
    wanted = {c.strip().upper() for c in currencies}
    span = timedelta(minutes=minutes)
    return [
        e
        for e in events_in_window(result_or_events, at - span, at + span)
        if e.currency in wanted and _IMPACT_RANK[e.impact] >= _IMPACT_RANK[min_impact]
    ]


def events_in_window(
    result_or_events: CalendarResult | Iterable[CalendarEvent], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Events with start <= time <= end, sorted by time."""
    for bound in (start, end):
        if bound.tzinfo is None or bound.utcoffset() is None:
            raise ValueError(f"calendar queries need timezone-aware datetimes, got {bound!r}")
    return sorted((e for e in _events(result_or_events) if start <= e.time <= end), key=_by_time)


def demo_calendar(at: datetime) -> CalendarResult:
    """DEMO DATA: the shipped sample calendar, repeated every N weeks (N = the weeks it spans)
    and laid out around the week containing `at`, keeping each event's New York weekday and
    clock time. When `at` falls inside the sample's span, the weeks around it keep their real
    dates."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"demo_calendar needs a timezone-aware datetime, got {at!r}")
    result = load_calendar(SAMPLE_CALENDAR)
    if not result.ok or not result.events:
        return result
    moved = _reanchor(result.events, at)
    return CalendarResult(events=moved, source=f"demo data re-anchored around {at:%Y-%m-%d}")


def _parse_json(data: bytes, zone: tzinfo) -> list[CalendarEvent]:
    try:
        rows = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(f"malformed JSON ({exc})") from None
    if not isinstance(rows, list):
        raise FeedError(f"expected a JSON list of events, got {type(rows).__name__}")
    events = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise FeedError(f"event #{number}: expected an object, got {type(row).__name__}")
        currency = row.get("country") or row.get("currency")
        event = _event(row, currency, row.get("date"), zone, f"event #{number}")
        if event:
            events.append(event)
    return events


def _parse_csv(data: bytes, zone: tzinfo) -> list[CalendarEvent]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"CSV is not UTF-8 ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    missing = [
        need
        for need, options in (
            ("title", {"title"}),
            ("currency or country", {"currency", "country"}),
            ("time or date", {"time", "date"}),
            ("impact", {"impact"}),
        )
        if not columns & options
    ]
    if missing:
        raise FeedError(f"CSV header lacks column(s): {', '.join(missing)}")
    events = []
    for row in _lowered_rows(reader):
        currency = row.get("currency") or row.get("country")
        where = f"CSV line {reader.line_num}"
        event = _event(row, currency, _csv_timestamp(row), zone, where)
        if event:
            events.append(event)
    return events


def _lowered_rows(reader: csv.DictReader) -> Iterator[dict[str, str]]:
    try:
        for row in reader:
            yield {(k or "").strip().lower(): (v or "") for k, v in row.items() if k}
    except csv.Error as exc:
        raise FeedError(f"malformed CSV at line {reader.line_num} ({exc})") from None


def _csv_timestamp(row: Mapping[str, str]) -> str:
    """A full timestamp from a 'time' and/or 'date' column; a bare YYYY-MM-DD date plus an HH:MM
    time are joined."""
    day, clock = row.get("date", "").strip(), row.get("time", "").strip()
    if day and clock and len(day) == len("YYYY-MM-DD"):
        return f"{day}T{clock}"
    return day or clock


def _event(
    row: Mapping[str, Any], currency: Any, stamp: Any, zone: tzinfo, where: str
) -> CalendarEvent | None:
    """One normalized event, or None for a holiday/non-economic row; FeedError names `where`."""
    impact = _text(row.get("impact"))
    if impact and impact.lower() in _SKIPPED_IMPACTS:
        return None
    title = _text(row.get("title"))
    try:
        return CalendarEvent(
            title=_required(title, "title"),
            currency=_required(_text(currency), "currency").upper(),
            time=_utc(_required(_text(stamp), "date/time"), zone),
            impact=_impact(_required(impact, "impact")),
            forecast=_text(row.get("forecast")),
            previous=_text(row.get("previous")),
            actual=_text(row.get("actual")),
        )
    except ValueError as exc:
        label = f" ({title})" if title else ""
        raise FeedError(f"{where}{label}: {exc}") from None


def _text(value: Any) -> str | None:
    """Stripped text, or None for missing and empty values."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _required(value: str | None, field: str) -> str:
    if value is None:
        raise ValueError(f"{field} is empty")
    return value


def _impact(text: str) -> Impact:
    try:
        return Impact(text.lower())
    except ValueError:
        raise ValueError(
            f"unknown impact {text!r} (expected High, Medium, Low, Holiday or Non-Economic)"
        ) from None


def _utc(stamp: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise ValueError(f"bad date/time {stamp!r} (expected ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _events(result_or_events: CalendarResult | Iterable[CalendarEvent]) -> Iterable[CalendarEvent]:
    if isinstance(result_or_events, CalendarResult):
        return result_or_events.events
    return result_or_events


def _by_time(event: CalendarEvent) -> datetime:
    return event.time


def _reanchor(events: list[CalendarEvent], at: datetime) -> list[CalendarEvent]:
    """Shift each event by whole weeks in New York wall time so the sample tiles the weeks
    around `at`: the target week keeps the event's position in the sample's cycle."""
    first_monday = _week_start(events[0].time)
    period = (_week_start(events[-1].time) - first_monday).days // 7 + 1
    at_week = (_week_start(at) - first_monday).days // 7
    window_start = at_week - period // 2
    moved = []
    for event in events:
        week = (_week_start(event.time) - first_monday).days // 7
        target = window_start + (week - window_start) % period
        local = event.time.astimezone(_NEW_YORK).replace(tzinfo=None)
        shifted = (local + timedelta(weeks=target - week)).replace(tzinfo=_NEW_YORK)
        moved.append(event.model_copy(update={"time": shifted.astimezone(UTC)}))
    return sorted(moved, key=_by_time)


def _week_start(moment: datetime) -> datetime:
    """Midnight (naive, New York) of the Monday of the New York week containing `moment`."""
    local = moment.astimezone(_NEW_YORK).replace(tzinfo=None)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time())
