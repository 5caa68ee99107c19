import asyncio
from datetime import UTC, datetime

import pytest

from orchestrator.scheduler import MAX_CONSECUTIVE_FAILURES, Scheduler, next_bar_close


def test_next_bar_close_when_mid_bar_then_next_boundary_plus_settle() -> None:
    now = datetime(2026, 11, 18, 14, 37, 12, tzinfo=UTC)
    wake = next_bar_close(now, "H1")
    assert (wake.hour, wake.minute, wake.second) == (15, 0, 5)
    assert next_bar_close(now, "H4").hour == 16


class _Desk:
    def __init__(self) -> None:
        self.settings = type("S", (), {"timeframe": "H1"})()
        self.halts: list[str] = []

    def clock(self) -> datetime:
        return datetime(2026, 11, 18, 14, 0, tzinfo=UTC)

    def halt(self, reason: str, **_: object) -> None:
        self.halts.append(reason)


class _Runner:
    def __init__(self) -> None:
        self.desk = _Desk()


class _Stop(Exception):
    pass


def test_run_forever_when_ticks_keep_failing_then_trading_halts_once() -> None:
    runner = _Runner()
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) > MAX_CONSECUTIVE_FAILURES + 1:
            raise _Stop

    scheduler = Scheduler(runner, sleep=sleep)  # type: ignore[arg-type]

    async def failing_tick(at: datetime) -> None:
        raise RuntimeError("feed down")

    scheduler.tick = failing_tick  # type: ignore[method-assign]
    with pytest.raises(_Stop):
        asyncio.run(scheduler.run_forever())
    assert len(runner.desk.halts) == 1 and "feed down" in runner.desk.halts[0]
    assert sleeps[0] > 0  # the first tick ran at once, the second waited for a bar close
