"""Builds snapshots from the configured sources: market data, calendar, news, account, risk."""

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from orchestrator.settings import Settings
from tools.account import AccountState
from tools.calendar import CalendarResult, demo_calendar, events_in_window, load_calendar
from tools.demo_feed import DemoFeed
from tools.instruments import InstrumentRegistry
from tools.market_data import CsvFeed, MarketDataSource, bars_as_of
from tools.news import NewsResult, demo_news, headlines_for, load_news
from tools.risk_config import RiskConfig
from tools.sessions import DEFAULT_WINDOWS, SessionWindows, parse_windows
from tools.snapshot import (
    HIGHER_TIMEFRAME_BARS,
    MIN_BARS,
    Snapshot,
    TimeframeView,
    build_snapshot,
    higher_timeframe_view,
)
from tools.timeframes import timeframe_minutes

# How far back calendar events stay in a snapshot: a release an hour ago still moves price.
EVENTS_LOOKBACK = timedelta(hours=1)
MAX_HISTORY_BARS = 20_000
VIEW_CACHE_SIZE = 1024
FEED_TTL_SECONDS = 300.0
T = TypeVar("T")


def default_account(settings: Settings) -> AccountState:
    balance = settings.paper.starting_balance
    return AccountState(
        currency=settings.paper.currency,
        balance=balance,
        equity=balance,
        free_margin=balance,
        leverage=settings.paper.leverage,
        start_of_day_equity=balance,
    )


class SnapshotService:
    """One place that knows where each part of a snapshot comes from."""

    def __init__(
        self,
        settings: Settings,
        *,
        account: Callable[[], AccountState] | None = None,
        risk_config: Callable[[], RiskConfig] | None = None,
        csv_overrides: dict[str, Path] | None = None,
    ) -> None:
        self.settings = settings
        self.instruments = InstrumentRegistry(settings.instruments)
        self.windows: SessionWindows = (
            parse_windows(settings.sessions) if settings.sessions else DEFAULT_WINDOWS
        )
        csv_paths = {k.upper(): Path(v) for k, v in settings.market_data_csv.items()}
        csv_paths.update({k.upper(): v for k, v in (csv_overrides or {}).items()})
        self._csv_feed = CsvFeed(csv_paths, timezone=settings.data_timezone) if csv_paths else None
        self._csv_symbols = set(csv_paths)
        self._demo_feed = DemoFeed(
            seed=settings.demo_seed, base_timeframe=settings.timeframe, instruments=self.instruments
        )
        self._account = account or (lambda: default_account(settings))
        self._view_cache: OrderedDict[tuple[Any, ...], TimeframeView] = OrderedDict()
        self._feed_cache: dict[str, tuple[float, Any]] = {}
        self._risk_config = risk_config or RiskConfig

    def _cached_feed(self, key: str, load: Callable[[], T]) -> T:
        """Configured feeds are fetched at most once per FEED_TTL_SECONDS, not per symbol."""
        now = time.monotonic()
        hit = self._feed_cache.get(key)
        if hit is None or now - hit[0] > FEED_TTL_SECONDS:
            hit = (now, load())
            self._feed_cache[key] = hit
        return hit[1]

    def feed_for(self, symbol: str) -> MarketDataSource:
        if self._csv_feed is not None and symbol.upper() in self._csv_symbols:
            return self._csv_feed
        return self._demo_feed

    def calendar(self, at: datetime) -> CalendarResult:
        source = self.settings.calendar_source
        if source:
            timeout = self.settings.feed_timeout_seconds
            result = self._cached_feed("calendar", lambda: load_calendar(source, timeout=timeout))
        else:
            result = demo_calendar(at)
        window_end = at + timedelta(hours=self.settings.event_window_hours)
        return result.model_copy(
            update={"events": events_in_window(result.events, at - EVENTS_LOOKBACK, window_end)}
        )

    def news(self, symbol: str, currencies: list[str], at: datetime) -> NewsResult:
        sources = self.settings.news_sources
        if sources:
            keywords, timeout = self.settings.news_keywords, self.settings.feed_timeout_seconds
            result = self._cached_feed(
                "news", lambda: load_news(sources, keywords=keywords, timeout=timeout)
            )
        else:
            result = demo_news(at)
        since = at - timedelta(hours=self.settings.news_lookback_hours)
        return result.model_copy(
            update={"headlines": headlines_for(result, currencies, symbol, since, at)}
        )

    def _history_bars(self, timeframe: str) -> int:
        """Base bars needed so each higher timeframe gets its full set of complete bars
        (x1.5 for weekends and holidays, which have no bars)."""
        base = timeframe_minutes(timeframe)
        needed = [
            HIGHER_TIMEFRAME_BARS * timeframe_minutes(tf) // base * 3 // 2
            for tf in self.settings.higher_timeframes
        ]
        return min(max([self.settings.bar_count, *needed]), MAX_HISTORY_BARS)

    def _higher_views(
        self, symbol: str, history: pd.DataFrame, timeframe: str, as_of: datetime
    ) -> dict[str, TimeframeView]:
        """Higher-timeframe views change only when a higher bar completes: compute each once
        per (symbol, timeframe, last complete bucket) instead of on every build."""
        closed = None
        views: dict[str, TimeframeView] = {}
        for tf in self.settings.higher_timeframes:
            bucket = pd.Timestamp(as_of).floor(f"{timeframe_minutes(tf)}min")
            key = (symbol, timeframe, tf, bucket)
            view = self._view_cache.get(key)
            if view is None:
                closed = bars_as_of(history, as_of, timeframe) if closed is None else closed
                view = higher_timeframe_view(closed, tf, as_of)
                self._view_cache[key] = view
                if len(self._view_cache) > VIEW_CACHE_SIZE:
                    self._view_cache.popitem(last=False)
            views[tf] = view
        return views

    def build(self, symbol: str, as_of: datetime, timeframe: str | None = None) -> Snapshot:
        instrument = self.instruments.get(symbol)
        timeframe = (timeframe or self.settings.timeframe).upper()
        history = self.feed_for(instrument.symbol).bars(
            instrument.symbol, timeframe, as_of, self._history_bars(timeframe)
        )
        return build_snapshot(
            history=history,
            instrument=instrument,
            timeframe=timeframe,
            as_of=as_of,
            calendar=self.calendar(as_of),
            news=self.news(instrument.symbol, list(instrument.news_currencies), as_of),
            account=self._account(),
            risk_config=self._risk_config(),
            windows=self.windows,
            bar_count=self.settings.bar_count,
            min_bars=MIN_BARS,
            higher_timeframes=self.settings.higher_timeframes,
            higher_views=self._higher_views(instrument.symbol, history, timeframe, as_of),
        )
