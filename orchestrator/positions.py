"""Advancing open paper positions on new bars: stops and targets, recorded closes, and the
automatic halts a close can trigger (drawdown, daily target, losing streak)."""

from datetime import datetime

import pandas as pd

from orchestrator import controls
from orchestrator.broker_settings import PAPER
from orchestrator.desk import SYSTEM_ACTOR, Desk
from orchestrator.position_book import record_close
from store.db import session_scope
from store.records import get_risk_config
from tools.account import AccountState
from tools.brokers.base import Broker, ClosedTrade
from tools.lifecycle import HaltSource
from tools.risk_config import RiskConfig
from tools.timeframes import timeframe_minutes

MAX_BARS_PER_SYMBOL = 2_000


def breached_limits(account: AccountState, config: RiskConfig) -> list[tuple[HaltSource, str]]:
    """The account limits that switch trading off as soon as they are reached."""
    breaches = []
    if config.halt_on_drawdown and -account.daily_pnl >= config.max_daily_drawdown:
        breaches.append(
            (
                HaltSource.DRAWDOWN,
                f"MAX_DAILY_DRAWDOWN: loss={-account.daily_pnl:g} "
                f"max={config.max_daily_drawdown:g}",
            )
        )
    if (
        config.stop_after_target
        and config.daily_profit_target > 0
        and account.daily_pnl >= config.daily_profit_target
    ):
        breaches.append(
            (
                HaltSource.DAILY_TARGET,
                f"DAILY_PROFIT_TARGET: pnl={account.daily_pnl:g} "
                f"target={config.daily_profit_target:g}",
            )
        )
    if 0 < config.consecutive_loss_limit <= account.consecutive_losses:
        breaches.append(
            (
                HaltSource.CONSECUTIVE_LOSSES,
                f"CONSECUTIVE_LOSSES: losses={account.consecutive_losses} "
                f"limit={config.consecutive_loss_limit}",
            )
        )
    return breaches


def _bars_since(desk: Desk, symbol: str, since: datetime, at: datetime) -> pd.DataFrame:
    timeframe = desk.settings.timeframe
    minutes = timeframe_minutes(timeframe)
    count = min(int((at - since).total_seconds() // 60 // minutes) + 2, MAX_BARS_PER_SYMBOL)
    bars = desk.snapshots.feed_for(symbol).bars(symbol, timeframe, at, count)
    # The bar the fill happened in counts too: the broker skips bars opened before the fill.
    return bars[bars.index >= pd.Timestamp(since).floor(f"{minutes}min")]


def _advance(desk: Desk, broker: Broker, at: datetime) -> list[ClosedTrade]:
    closed: list[ClosedTrade] = []
    positions = broker.positions()
    for symbol in sorted({p.symbol for p in positions}):
        since = min(p.opened_at for p in positions if p.symbol == symbol)
        bars = _bars_since(desk, symbol, since, at)
        for time, bar in bars.iterrows():
            closed += broker.on_bar(
                symbol, time.to_pydatetime(), bar["open"], bar["high"], bar["low"], bar["close"]
            )
    return closed


def advance_paper(desk: Desk, at: datetime) -> list[ClosedTrade]:
    """Walk every open paper position through the bars closed since it opened."""
    with session_scope(desk.engine) as session:
        with desk.brokers.paper.open(session) as broker:
            closed = _advance(desk, broker, at)
            account = broker.account()
        for trade in closed:
            record_close(session, trade, broker=PAPER)
        config = get_risk_config(session)
        if closed and config.ai_trading_enabled:
            for source, reason in breached_limits(account, config):
                controls.halt(session, reason, actor=SYSTEM_ACTOR, source=source, at=at)
    return closed
