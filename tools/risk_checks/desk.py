"""Checks on the desk around the trade: exposure, the day's account limits, trade frequency,
session and news, trading state, mode and confidence."""

import math

from tools.calendar import CalendarEvent, events_near
from tools.checks import Category, Severity
from tools.risk_checks.base import (
    CheckList,
    GateInputs,
    Verdict,
    at_least,
    below,
    clean,
    strictness_severity,
)
from tools.risk_config import Mode

CHECKS = CheckList()


@CHECKS.rule(
    "MAX_CONCURRENT_TRADES",
    Category.EXPOSURE,
    "Open positions < min(config max_concurrent_trades, strategy max concurrent); "
    "at the limit fails.",
)
def max_concurrent_trades(i: GateInputs) -> Verdict:
    limit = min(i.config.max_concurrent_trades, i.strategy_max_concurrent or math.inf)
    return below("open", i.open_positions_count, limit)


@CHECKS.rule(
    "SAME_DIRECTION_EXPOSURE",
    Category.EXPOSURE,
    "Open positions on this symbol and side < max_same_direction_trades; at the limit fails.",
)
def same_direction_exposure(i: GateInputs) -> Verdict:
    return below("same_direction", i.same_direction_count, i.config.max_same_direction_trades)


@CHECKS.rule(
    "DAILY_PROFIT_TARGET",
    Category.ACCOUNT,
    "Today's P&L < daily_profit_target; reaching it fails (0 = off). HALT when "
    "stop_after_target, else BLOCK.",
)
def daily_profit_target(i: GateInputs) -> Verdict:
    severity = Severity.HALT if i.config.stop_after_target else Severity.BLOCK
    return below(
        "daily_pnl",
        i.daily_pnl,
        i.config.daily_profit_target,
        limit_name="target",
        severity=severity,
    )


@CHECKS.rule(
    "MAX_DAILY_DRAWDOWN",
    Category.ACCOUNT,
    "Today's loss < max_daily_drawdown; reaching it fails. HALT when halt_on_drawdown, else BLOCK.",
)
def max_daily_drawdown(i: GateInputs) -> Verdict:
    severity = Severity.HALT if i.config.halt_on_drawdown else Severity.BLOCK
    return below("loss", max(0.0, -i.daily_pnl), i.config.max_daily_drawdown, severity=severity)


@CHECKS.rule(
    "MAX_TRADES_PER_SESSION",
    Category.FREQUENCY,
    "Trades this session < max_trades_per_session; at the limit fails (0 = unlimited).",
)
def max_trades_per_session(i: GateInputs) -> Verdict:
    return below("session_trades", i.trades_this_session, i.config.max_trades_per_session)


@CHECKS.rule(
    "MAX_TRADES_PER_DAY",
    Category.FREQUENCY,
    "Trades today < max_trades_per_day; at the limit fails (0 = unlimited).",
)
def max_trades_per_day(i: GateInputs) -> Verdict:
    return below("trades_today", i.trades_today, i.config.max_trades_per_day)


@CHECKS.rule(
    "LOSS_COOLDOWN",
    Category.FREQUENCY,
    "Minutes since the last loss >= cooldown_after_loss_minutes; exactly the cooldown passes "
    "(0 = off, no loss yet passes).",
)
def loss_cooldown(i: GateInputs) -> Verdict:
    since, cooldown = i.minutes_since_last_loss, i.config.cooldown_after_loss_minutes
    numbers = {"since_loss_minutes": since, "cooldown": cooldown}
    if since is None or cooldown == 0:
        return Verdict(True, numbers, note="no loss yet" if since is None else "no cooldown")
    return Verdict(clean(since) >= cooldown, numbers)


@CHECKS.rule(
    "CONSECUTIVE_LOSSES",
    Category.FREQUENCY,
    "Losing streak < consecutive_loss_limit; reaching it fails with HALT (0 = off).",
)
def consecutive_losses(i: GateInputs) -> Verdict:
    return below(
        "losses",
        i.consecutive_losses,
        i.config.consecutive_loss_limit,
        limit_name="limit",
        severity=Severity.HALT,
    )


@CHECKS.rule(
    "KILL_ZONE",
    Category.SESSION,
    "Inside an ICT kill zone; outside one blocks in strict kill-zone mode, warns in relaxed.",
)
def kill_zone(i: GateInputs) -> Verdict:
    strictness = i.config.kill_zone_mode
    return Verdict(
        i.kill_zone_active,
        {"kill_zone": i.kill_zone_name if i.kill_zone_active else None, "mode": strictness},
        strictness_severity(strictness),
    )


@CHECKS.rule(
    "NEWS_BLACKOUT",
    Category.NEWS,
    "No HIGH-impact event for the news currencies within ±max(config, strategy) blackout "
    "minutes (an event on the edge counts); strict blocks, relaxed warns and trades at "
    "news_size_factor.",
)
def news_blackout(i: GateInputs) -> Verdict:
    minutes = max(i.config.news_blackout_minutes, i.strategy_news_blackout_minutes or 0)
    near = events_near(i.events, i.news_currencies, i.as_of, minutes)
    return Verdict(
        not near,
        {"events": len(near), "window_minutes": minutes, "currencies": i.news_currencies},
        strictness_severity(i.config.news_filter_mode),
        note="; ".join(_event_line(e) for e in near),
    )


@CHECKS.rule(
    "CALENDAR_AVAILABLE",
    Category.NEWS,
    "The calendar loaded. Without it a blackout cannot be verified: strict news mode blocks, "
    "relaxed warns and trades at news_size_factor.",
)
def calendar_available(i: GateInputs) -> Verdict:
    strictness = i.config.news_filter_mode
    return Verdict(
        i.calendar_ok,
        {"calendar_ok": i.calendar_ok, "news_mode": strictness},
        strictness_severity(strictness),
        note="" if i.calendar_ok else "news blackout cannot be verified",
    )


@CHECKS.rule(
    "TRADING_STATE",
    Category.STATE,
    "Trading is ACTIVE with the kill switch on; a halted desk fails with HALT and its reason.",
)
def trading_state(i: GateInputs) -> Verdict:
    return Verdict(
        i.trading_enabled,
        {"trading_enabled": i.trading_enabled},
        Severity.HALT,
        note="" if i.trading_enabled else f"halted: {i.halt_reason or 'no reason recorded'}",
    )


@CHECKS.rule(
    "MODE", Category.STATE, "The mode may place orders; ANALYSIS_ONLY warns 'orders disabled'."
)
def mode_allows_orders(i: GateInputs) -> Verdict:
    analysis_only = i.mode is Mode.ANALYSIS_ONLY
    return Verdict(
        not analysis_only,
        {"mode": i.mode},
        Severity.WARN,
        note="orders disabled" if analysis_only else "",
    )


@CHECKS.rule(
    "CONFIDENCE_THRESHOLD",
    Category.CONFIDENCE,
    "Confidence >= min_confidence_threshold; equal passes. Below warns: the mode decides "
    "whether the idea queues or is rejected.",
)
def confidence_threshold(i: GateInputs) -> Verdict:
    return at_least(
        "confidence", i.confidence, i.config.min_confidence_threshold, severity=Severity.WARN
    )


def _event_line(event: CalendarEvent) -> str:
    return f"{event.currency} {event.title} {event.time:%Y-%m-%d %H:%M}Z"
