"""The watchlist as the pages show it: one snapshot per symbol, built by the desk's snapshot
service and kept for a few seconds so a dashboard refresh does not rebuild five of them."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Annotated

from fastapi import Depends, Request

from orchestrator.desk import Desk
from tools.errors import ToolError
from tools.news import Headline
from tools.snapshot import Snapshot

CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Quote:
    symbol: str
    snapshot: Snapshot | None
    error: str | None = None

    @property
    def move_pct(self) -> float | None:
        """Last price against the close of the previous UTC day (None without one)."""
        if self.snapshot is None:
            return None
        today = self.snapshot.as_of.date()
        previous = [bar.close for bar in self.snapshot.bars if bar.time.date() < today]
        if not previous:
            return None
        return (self.snapshot.last_price - previous[-1]) / previous[-1] * 100


class MarketBoard:
    def __init__(
        self, desk: Desk, *, ttl: float = CACHE_SECONDS, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._desk = desk
        self._ttl = ttl
        self._timer = timer
        self._lock = Lock()
        self._cache: dict[str, tuple[float, Quote]] = {}

    def quote(self, symbol: str) -> Quote:
        with self._lock:
            cached = self._cache.get(symbol)
            if cached is not None and self._timer() - cached[0] < self._ttl:
                return cached[1]
            try:
                quote = Quote(symbol, self._desk.snapshots.build(symbol, self._desk.clock()))
            except (ToolError, ValueError) as exc:
                quote = Quote(symbol, None, str(exc))
            self._cache[symbol] = (self._timer(), quote)
            return quote

    def watchlist(self) -> list[Quote]:
        return [self.quote(symbol) for symbol in self._desk.settings.watchlist]

    def headlines(self) -> list[Headline]:
        """Every watchlist symbol's headlines, newest first, each once."""
        seen: dict[tuple[str, str], Headline] = {}
        for quote in self.watchlist():
            for headline in quote.snapshot.news.headlines if quote.snapshot else []:
                seen.setdefault((headline.source, headline.headline), headline)
        return sorted(seen.values(), key=lambda h: h.published_at, reverse=True)


def get_market_board(request: Request) -> MarketBoard:
    return request.app.state.market_board


MarketBoardDep = Annotated[MarketBoard, Depends(get_market_board)]
