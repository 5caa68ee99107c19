"""The in-process loops. On every bar close, expire stale ideas, advance paper positions, then
run cycles for the watchlist. A failing tick is logged and the loop goes on; repeated failures
halt trading, since a desk that cannot see its market should not trade."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pandas as pd

from orchestrator.cycle import CycleRunner
from orchestrator.desk import Desk
from orchestrator.positions import advance_paper
from tools.lifecycle import HaltSource
from tools.timeframes import timeframe_minutes

log = logging.getLogger("countersign.scheduler")

# Bars are stamped at their close; give the feed a moment to publish the bar that just closed.
SETTLE = timedelta(seconds=5)
MAX_CONSECUTIVE_FAILURES = 3


def next_bar_close(now: datetime, timeframe: str) -> datetime:
    step = f"{timeframe_minutes(timeframe)}min"
    return (pd.Timestamp(now).floor(step) + pd.Timedelta(step)).to_pydatetime() + SETTLE


class Scheduler:
    def __init__(
        self, runner: CycleRunner, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        self.runner = runner
        self.desk = runner.desk
        self._sleep = sleep
        self.failures = 0
        self.last_tick: datetime | None = None

    async def tick(self, at: datetime) -> None:
        """One bar close's work; raises what went wrong so the loop can count it."""
        await asyncio.to_thread(self.desk.expire_stale)
        await asyncio.to_thread(advance_paper, self.desk, at)
        await self.runner.run_watchlist(at)
        self.last_tick = at

    async def run_forever(self) -> None:
        """A first tick at once (a desk opened mid-bar shows proposals now), then each close."""
        timeframe = self.desk.settings.timeframe
        first = True
        while True:
            if not first:
                now = self.desk.clock()
                wake = next_bar_close(now, timeframe)
                await self._sleep(max(0.0, (wake - now).total_seconds()))
            first = False
            try:
                await self.tick(self.desk.clock())
                self.failures = 0
            except Exception as exc:  # the loop must survive any one tick
                self.failures += 1
                log.exception("scheduler tick failed (%d in a row)", self.failures)
                if self.failures == MAX_CONSECUTIVE_FAILURES:
                    await asyncio.to_thread(
                        self.desk.halt,
                        f"{self.failures} scheduler ticks failed in a row: {exc}",
                        actor="system",
                        source=HaltSource.ERROR_RATE,
                    )


async def reconcile_forever(
    desk: Desk, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Reconcile at once (a restart may follow a crash mid-order), then on the interval."""
    interval = desk.settings.brokers.reconcile_interval_seconds
    while True:
        try:
            for report in await asyncio.to_thread(desk.reconcile):
                if report.error or report.differences or report.imported:
                    log.warning(
                        "reconciliation with %s: error=%s differences=%d imported=%d",
                        report.broker,
                        report.error,
                        len(report.differences),
                        len(report.imported),
                    )
        except Exception:  # the loop must outlive any one run; broker errors are recorded
            log.exception("reconciliation failed")
        await sleep(interval)
