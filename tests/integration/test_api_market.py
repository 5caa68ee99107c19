"""REST market context: sessions and kill zones, calendar, news, indicator readings and the
indicator calculator."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.desk_helpers import Clock, api_error, clocked_app
from tests.factories import make_bars

SESSION, CALENDAR, NEWS = "/api/v1/market/session", "/api/v1/calendar", "/api/v1/news"
INDICATORS, CALCULATE = "/api/v1/indicators", "/api/v1/indicators/calculate"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return clocked_app(tmp_path, Clock())


def _bars(count: int = 80) -> list[dict]:
    return [bar.model_dump(mode="json") for bar in make_bars("up", count=count)]


def test_session_when_new_york_morning_then_overlap_and_kill_zone(
    token_client: TestClient,
) -> None:
    state = token_client.get(SESSION).json()  # the desk's clock: Wed 09:00 New York
    assert state["open_sessions"] == ["london", "new_york"]
    assert (state["kill_zone"], state["kill_zone_active"]) == ("new_york_kz", True)


def test_session_when_weekend_moment_given_then_nothing_open(token_client: TestClient) -> None:
    state = token_client.get(SESSION, params={"at": "2026-11-21T12:00:00+00:00"}).json()
    assert state["is_weekend"] is True and state["open_sessions"] == []


@pytest.mark.parametrize("at", ["2026-11-21T12:00:00", "9999-12-31T23:59:59Z", "noon"])
def test_session_when_moment_malformed_then_422(token_client: TestClient, at: str) -> None:
    api_error(token_client.get(SESSION, params={"at": at}), 422, "INVALID_INPUT")


def test_calendar_when_filtered_then_only_matching_events(token_client: TestClient) -> None:
    everything = token_client.get(CALENDAR).json()
    assert everything["ok"] is True and everything["events"]
    usd_high = token_client.get(CALENDAR, params={"currency": "usd", "impact": "high"}).json()
    assert usd_high["events"] and all(
        (e["currency"], e["impact"]) == ("USD", "high") for e in usd_high["events"]
    )
    assert len(usd_high["events"]) < len(everything["events"])


@pytest.mark.parametrize("params", [{"currency": "DOLLAR"}, {"impact": "huge"}])
def test_calendar_when_filter_malformed_then_422(token_client: TestClient, params: dict) -> None:
    api_error(token_client.get(CALENDAR, params=params), 422, "INVALID_INPUT")


def test_news_when_symbol_given_then_its_headlines_newest_first(token_client: TestClient) -> None:
    news = token_client.get(NEWS, params={"symbol": "EURUSD"}).json()
    headlines = news["headlines"]
    assert news["ok"] is True and headlines
    assert all({"EUR", "USD"} & set(h["currencies"]) or "EURUSD" in h["symbols"] for h in headlines)
    times = [h["published_at"] for h in headlines]
    assert times == sorted(times, reverse=True)
    everything = token_client.get(NEWS).json()["headlines"]
    assert len(everything) >= len(headlines)


def test_news_when_symbol_unknown_then_422(token_client: TestClient) -> None:
    api_error(token_client.get(NEWS, params={"symbol": "ZZZ"}), 422, "INVALID_INPUT")


def test_indicators_when_listed_then_one_reading_per_watchlist_symbol(
    token_client: TestClient,
) -> None:
    items = token_client.get(INDICATORS).json()["items"]
    assert [i["symbol"] for i in items] == ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"]
    assert all(i["error"] is None and i["reading"]["indicators"]["rsi_14"] for i in items)
    [one] = token_client.get(INDICATORS, params={"symbol": "usdjpy"}).json()["items"]
    assert one["reading"]["symbol"] == "USDJPY" and one["reading"]["last_price"] > 50


def test_indicators_when_symbol_unknown_then_item_carries_error(token_client: TestClient) -> None:
    [item] = token_client.get(INDICATORS, params={"symbol": "ZZZ"}).json()["items"]
    assert item["reading"] is None and item["error"]["code"] == "INVALID_INPUT"


def test_calculate_when_bars_valid_then_latest_values_and_series(
    token_client: TestClient,
) -> None:
    response = token_client.post(CALCULATE, json={"bars": _bars(), "include_series": True})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["bars"] == 80 and len(result["series"]) == 80
    latest = result["latest"]
    assert 0 < latest["rsi_14"] < 100 and latest["sma_50"] and latest["sma_200"] is None
    assert result["series"][-1] | {"time": None} == latest | {"time": None}
    assert result["series"][0]["sma_20"] is None


def test_calculate_when_few_bars_then_values_none_not_an_error(token_client: TestClient) -> None:
    result = token_client.post(CALCULATE, json={"bars": _bars(3)}).json()
    assert result["latest"]["rsi_14"] is None and result["series"] is None


def test_calculate_when_a_bar_is_inconsistent_then_422_naming_the_row(
    token_client: TestClient,
) -> None:
    bars = _bars()
    bars[6]["high"] = bars[6]["low"] / 2
    error = api_error(token_client.post(CALCULATE, json={"bars": bars}), 422, "INVALID_INPUT")
    assert "row 7" in error["message"] and "below low" in error["message"]


def test_calculate_when_bars_out_of_order_then_422_naming_the_row(
    token_client: TestClient,
) -> None:
    bars = _bars()
    bars[10], bars[11] = bars[11], bars[10]
    error = api_error(token_client.post(CALCULATE, json={"bars": bars}), 422, "INVALID_INPUT")
    assert "row 12" in error["message"] and "earlier" in error["message"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"close": "n/a"}, "body.bars.4.close"),
        ({"time": "2024-03-12T10:00:00"}, "body.bars.4.time"),
        ({"open": 1e300}, "body.bars.4.open"),
    ],
)
def test_calculate_when_a_field_is_malformed_then_422_naming_row_and_field(
    token_client: TestClient, change: dict, path: str
) -> None:
    bars = _bars()
    bars[4] |= change
    error = api_error(token_client.post(CALCULATE, json={"bars": bars}), 422, "INVALID_INPUT")
    assert [e["path"] for e in error["details"]["errors"]] == [path]


def test_calculate_when_no_bars_then_422(token_client: TestClient) -> None:
    api_error(token_client.post(CALCULATE, json={"bars": []}), 422, "INVALID_INPUT")
