import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from tools import feeds
from tools.calendar import (
    SAMPLE_CALENDAR,
    CalendarEvent,
    CalendarResult,
    Impact,
    demo_calendar,
    events_in_window,
    events_near,
    load_calendar,
)

URL = "https://feeds.example.com/calendar/thisweek.json"
NY = ZoneInfo("America/New_York")


def row(title: str, date: str, country: str = "USD", impact: str = "High", **extra: str) -> dict:
    return {
        "title": title,
        "country": country,
        "date": date,
        "impact": impact,
        "forecast": "",
        "previous": "",
        "actual": "",
        **extra,
    }


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def event(minute_offset: int, currency: str = "USD", impact: Impact = Impact.HIGH) -> CalendarEvent:
    return CalendarEvent(
        title=f"event {minute_offset:+d}m",
        currency=currency,
        time=utc(2026, 11, 6, 13, 30) + timedelta(minutes=minute_offset),
        impact=impact,
    )


@respx.mock
def test_load_calendar_when_json_feed_is_good_then_events_are_normalized_to_utc() -> None:
    rows = [
        row(
            "Non-Farm Employment Change",
            "2026-11-06T08:30:00-05:00",
            forecast="120K",
            previous="254K",
        ),
        row("Main Refinancing Rate", "2026-10-29T09:15:00-04:00", country="eur"),
    ]
    respx.get(URL).mock(return_value=httpx.Response(200, json=rows))

    result = load_calendar(URL)

    assert result.ok and result.error is None
    assert result.source == URL
    first, second = result.events
    assert (first.title, first.currency, first.time) == (
        "Main Refinancing Rate",
        "EUR",
        utc(2026, 10, 29, 13, 15),
    )
    assert second.time == utc(2026, 11, 6, 13, 30)
    assert (second.forecast, second.previous, second.actual) == ("120K", "254K", None)
    assert second.impact is Impact.HIGH


def test_load_calendar_when_impacts_vary_then_maps_them_and_skips_non_market_rows(
    tmp_path: Path,
) -> None:
    rows = [
        row("CPI m/m", "2026-11-12T08:30:00-05:00", impact="High"),
        row("Unemployment Claims", "2026-11-12T08:30:00-05:00", impact="medium"),
        row("Crude Oil Inventories", "2026-11-12T10:30:00-05:00", impact="LOW"),
        row("Bank Holiday", "2026-11-11T00:00:00-05:00", impact="Holiday"),
        row(
            "OPEC-JMMC Meetings", "2026-11-30T04:00:00-05:00", country="All", impact="Non-Economic"
        ),
    ]
    path = tmp_path / "week.json"
    path.write_text(json.dumps(rows))

    result = load_calendar(path)

    assert result.ok
    assert [(e.title, e.impact) for e in result.events] == [
        ("CPI m/m", Impact.HIGH),
        ("Unemployment Claims", Impact.MEDIUM),
        ("Crude Oil Inventories", Impact.LOW),
    ]


@respx.mock
def test_load_calendar_when_url_times_out_then_not_ok_with_timed_out_error() -> None:
    respx.get(URL).mock(side_effect=httpx.ReadTimeout("read timed out"))

    result = load_calendar(URL, timeout=2.5)

    assert result.ok is False
    assert result.events == []
    assert "timed out after 2.5s" in result.error
    assert URL in result.error


@respx.mock
def test_load_calendar_when_server_errors_then_not_ok_with_status() -> None:
    respx.get(URL).mock(return_value=httpx.Response(500))

    result = load_calendar(URL)

    assert (result.ok, result.events) == (False, [])
    assert "HTTP 500" in result.error


@respx.mock
def test_load_calendar_when_server_unreachable_then_not_ok() -> None:
    respx.get(URL).mock(side_effect=httpx.ConnectError("connection refused"))

    result = load_calendar(URL)

    assert result.ok is False
    assert "unreachable" in result.error


@respx.mock
def test_load_calendar_when_json_is_malformed_then_not_ok() -> None:
    respx.get(URL).mock(return_value=httpx.Response(200, content=b'[{"title": "CPI",'))

    result = load_calendar(URL)

    assert (result.ok, result.events) == (False, [])
    assert "malformed JSON" in result.error


@respx.mock
def test_load_calendar_when_server_returns_html_page_then_not_ok() -> None:
    respx.get(URL).mock(return_value=httpx.Response(200, text="<html>Service unavailable</html>"))

    result = load_calendar(URL)

    assert result.ok is False
    assert "HTML" in result.error


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (row("Retail Sales m/m", "next tuesday"), "bad date/time"),
        (row("Retail Sales m/m", "2026-11-17T08:30:00-05:00", impact="Severe"), "unknown impact"),
        (row("Retail Sales m/m", "2026-11-17T08:30:00-05:00", country=""), "currency is empty"),
    ],
)
def test_load_calendar_when_one_row_is_bad_then_whole_feed_rejected_naming_row(
    tmp_path: Path, bad: dict, problem: str
) -> None:
    path = tmp_path / "week.json"
    path.write_text(json.dumps([row("CPI m/m", "2026-11-12T08:30:00-05:00"), bad]))

    result = load_calendar(path)

    assert (result.ok, result.events) == (False, [])
    assert "event #2 (Retail Sales m/m)" in result.error
    assert problem in result.error


def test_load_calendar_when_json_is_not_a_list_then_not_ok(tmp_path: Path) -> None:
    path = tmp_path / "week.json"
    path.write_text('{"events": []}')

    result = load_calendar(path)

    assert result.ok is False
    assert "expected a JSON list" in result.error


def test_load_calendar_when_file_is_missing_then_not_ok_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"

    result = load_calendar(path)

    assert result.ok is False
    assert str(path) in result.error
    assert "cannot read file" in result.error


def test_load_calendar_when_csv_has_currency_and_iso_time_then_loads(tmp_path: Path) -> None:
    path = tmp_path / "week.csv"
    path.write_text(
        "title,currency,time,impact,forecast,previous,actual\n"
        "CPI y/y,gbp,2026-11-18T02:00:00-05:00,High,3.4%,3.8%,\n"
        "Retail Sales m/m,USD,2026-07-16T08:30:00-04:00,Medium,0.4%,,0.6%\n"
    )

    result = load_calendar(path)

    assert result.ok, result.error
    summer, winter = result.events
    assert (summer.time, summer.impact, summer.actual, summer.previous) == (
        utc(2026, 7, 16, 12, 30),
        Impact.MEDIUM,
        "0.6%",
        None,
    )
    assert (winter.currency, winter.time) == ("GBP", utc(2026, 11, 18, 7, 0))


def test_load_calendar_when_csv_has_separate_naive_date_and_time_then_uses_timezone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "week.csv"
    path.write_text(
        "Title,Country,Date,Time,Impact,Forecast,Previous\n"
        "Non-Farm Employment Change,USD,2026-11-06,08:30,High,120K,254K\n"
    )

    result = load_calendar(path, timezone="America/New_York")

    assert result.ok, result.error
    assert result.events[0].time == utc(2026, 11, 6, 13, 30)


def test_load_calendar_when_csv_lacks_columns_then_not_ok_listing_them(tmp_path: Path) -> None:
    path = tmp_path / "week.csv"
    path.write_text("name,when\nCPI,2026-11-12T08:30:00-05:00\n")

    result = load_calendar(path)

    assert result.ok is False
    assert "title" in result.error and "impact" in result.error


def test_load_calendar_when_csv_row_is_bad_then_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "week.csv"
    path.write_text(
        "title,currency,time,impact\n"
        "CPI y/y,GBP,2026-11-18T02:00:00-05:00,High\n"
        "Retail Sales,USD,soon,High\n"
    )

    result = load_calendar(path)

    assert result.ok is False
    assert "CSV line 3 (Retail Sales)" in result.error


@respx.mock
def test_load_calendar_when_url_has_query_then_error_leaves_out_the_query() -> None:
    respx.get(URL).mock(return_value=httpx.Response(403))

    result = load_calendar(f"{URL}?apikey=s3cret")

    assert result.ok is False
    assert "s3cret" not in result.error and "s3cret" not in result.source
    assert URL in result.error


def test_load_calendar_when_client_given_then_fetches_through_it() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=[row("CPI m/m", "2026-11-12T08:30:00-05:00")])

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        result = load_calendar(URL, client=client)

    assert seen == [URL]
    assert [e.title for e in result.events] == ["CPI m/m"]


@respx.mock
def test_load_calendar_when_body_exceeds_cap_then_not_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "MAX_FEED_BYTES", 16)
    respx.get(URL).mock(return_value=httpx.Response(200, content=b"[" + b" " * 64 + b"]"))

    result = load_calendar(URL)

    assert result.ok is False
    assert "larger than 16 bytes" in result.error


@pytest.mark.parametrize(
    ("offset", "included"), [(-31, False), (-30, True), (0, True), (30, True), (31, False)]
)
def test_events_near_when_event_at_window_edge_then_edges_are_included(
    offset: int, included: bool
) -> None:
    at = event(0).time
    candidate = event(offset)

    found = events_near([candidate], ["USD"], at, minutes=30)

    assert (candidate in found) is included


def test_events_near_when_other_currency_or_lower_impact_then_filtered_out() -> None:
    usd_high, usd_medium, jpy_high = event(5), event(10, impact=Impact.MEDIUM), event(15, "JPY")
    result = CalendarResult(events=[jpy_high, usd_medium, usd_high])
    at = event(0).time

    assert events_near(result, ["usd", "EUR"], at, 60) == [usd_high]
    assert events_near(result, ["USD"], at, 60, min_impact=Impact.MEDIUM) == [usd_high, usd_medium]


def test_events_near_when_naive_time_or_negative_minutes_then_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        events_near([event(0)], ["USD"], datetime(2026, 11, 6, 13, 30), 30)
    with pytest.raises(ValueError, match="minutes"):
        events_near([event(0)], ["USD"], event(0).time, -1)


def test_events_in_window_when_events_unsorted_then_returns_those_inside_sorted() -> None:
    late, early, outside = event(60), event(-60), event(120)

    found = events_in_window([late, outside, early], event(-60).time, event(60).time)

    assert found == [early, late]


def test_sample_calendar_when_loaded_then_ok_with_events_of_every_impact() -> None:
    result = load_calendar(SAMPLE_CALENDAR)

    assert result.ok, result.error
    assert {e.impact for e in result.events} == set(Impact)
    assert all(e.currency == e.currency.upper() for e in result.events)


def _ny_slot(e: CalendarEvent) -> tuple[str, str, int, str]:
    local = e.time.astimezone(NY)
    return (e.title, e.currency, local.weekday(), f"{local:%H:%M}")


@pytest.mark.parametrize("at", [utc(2031, 3, 12, 15, 0), utc(2029, 7, 4, 12, 0)])
def test_demo_calendar_when_any_date_then_sample_tiles_the_weeks_around_it(at: datetime) -> None:
    sample = load_calendar(SAMPLE_CALENDAR).events
    span_weeks = (sample[-1].time - sample[0].time).days // 7 + 1

    demo = demo_calendar(at)

    assert demo.ok and "demo" in demo.source
    assert Counter(map(_ny_slot, demo.events)) == Counter(map(_ny_slot, sample))
    assert all(abs(e.time - at) <= timedelta(weeks=span_weeks) for e in demo.events)
    assert events_in_window(demo, at - timedelta(days=7), at + timedelta(days=7))


def test_demo_calendar_when_inside_sample_span_then_nearby_events_keep_real_dates() -> None:
    sample = load_calendar(SAMPLE_CALENDAR)
    at = sample.events[len(sample.events) // 2].time
    week = timedelta(days=7)

    demo = demo_calendar(at)

    assert events_in_window(demo, at - week, at + week) == events_in_window(
        sample, at - week, at + week
    )


def test_demo_calendar_when_naive_datetime_then_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        demo_calendar(datetime(2030, 1, 1))
