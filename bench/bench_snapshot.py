"""Snapshot build time: 1 symbol x 1,000 bars, and 50 symbols (the demo feed, no network).

Run: uv run python bench/bench_snapshot.py
"""

import statistics
import time
from datetime import UTC, datetime

from orchestrator.settings import load_settings
from orchestrator.snapshots import SnapshotService
from tools.instruments import DEFAULT_INSTRUMENTS

AS_OF = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
REPEATS = 20


def _fifty_symbols() -> dict[str, dict]:
    """The default instruments plus synthetic stock tickers up to 50 symbols."""
    extra: dict[str, dict] = {}
    template = DEFAULT_INSTRUMENTS["AAPL"].model_dump()
    for n in range(50 - len(DEFAULT_INSTRUMENTS)):
        extra[f"STK{n:02d}"] = {**template, "symbol": f"STK{n:02d}"}
    return extra


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    settings = load_settings(bar_count=1000, instruments=_fifty_symbols())
    service = SnapshotService(settings)
    symbols = service.instruments.symbols()[:50]
    for symbol in symbols:  # warm the demo feed's generator so we time the snapshot, not it
        service.build(symbol, AS_OF)

    single = [_time(lambda: service.build("EURUSD", AS_OF)) for _ in range(REPEATS)]
    print(
        f"1 symbol x 1,000 bars: median {statistics.median(single) * 1000:.1f} ms, "
        f"max {max(single) * 1000:.1f} ms over {REPEATS} builds"
    )

    batches = [_time(lambda: [service.build(s, AS_OF) for s in symbols]) for _ in range(3)]
    print(
        f"{len(symbols)} symbols x 1,000 bars (sequential): median "
        f"{statistics.median(batches) * 1000:.0f} ms "
        f"({statistics.median(batches) / len(symbols) * 1000:.1f} ms per symbol)"
    )
    size = len(service.build("EURUSD", AS_OF).model_dump_json())
    print(f"snapshot JSON size at 1,000 bars: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
