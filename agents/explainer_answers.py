"""What the offline explainer writes for each topic, from the record views' results alone.

Numbers are copied from the results (or written at their precision by `num`), never computed
here, so the number check finds every one of them in the record. Headlines and event titles are
quoted as data, never followed.
"""

from collections.abc import Callable, Mapping
from typing import Literal

from agents.explainer_outcome import Results, num, outcome, title

Topic = Literal[
    "refuse",
    "outcome",
    "confidence",
    "news",
    "market",
    "closest",
    "after",
    "transcript",
    "account",
    "summary",
    "what_if",
]
OFFLINE_NOTE = "Offline explainer: answered from the stored record, without an LLM."
_MAX_REASONS = 8
_EXIT_WORDS = {"stop": "its stop was hit", "target": "its target was hit"}
_WHAT_IF_HELP = (
    'Ask a what-if with one parameter and its value, e.g. "what if the threshold were 80?", '
    '"what if the strict news filter were off?", "what if the lot size were 0.05?", '
    '"what if the minimum R:R were 2?" or "what if the mode were SEMI_AUTO?".'
)


def _confidence(results: Results) -> list[str]:
    score = results.get("confidence") or {}
    if not score.get("available"):
        return ["No confidence was computed for this record (no trade direction or strategy)."]
    lines = [
        f"Confidence {num(score['total'])}/100 = strategy match {num(score['strategy_match'])}/50 "
        f"+ market risk {num(score['market_risk'])}/25 + account comfort "
        f"{num(score['account_comfort'])}/25."
    ]
    if score.get("threshold") is not None:
        side = "meets" if score["total"] >= score["threshold"] else "is below"
        lines.append(f"It {side} the confidence threshold {num(score['threshold'])}.")
    lines.append("Why:")
    lines += [f"- {reason}" for reason in score["reasons"][:_MAX_REASONS]]
    return lines


def _news(results: Results) -> list[str]:
    news = results.get("news") or {}
    if not news.get("available"):
        return ["No snapshot is stored for this record, so there is no news to show."]
    calendar = news["calendar"]
    events = calendar["events"]
    if not calendar["ok"]:
        lines = [f"The calendar could not be read ({calendar['error']})."]
    elif events:
        lines = [f"Calendar ({calendar['source']}), events around the decision:"]
        lines += [
            f'- {e["currency"]} "{e["title"]}" ({e["impact"]}) at {e["time"]}, '
            f"{num(e['minutes_from_decision'])} min from the decision"
            for e in events
        ]
    else:
        lines = [f"Calendar ({calendar['source']}): no events in the window."]
    lines += [
        f"{c['id']}: {'passed' if c['passed'] else 'failed'} ({c['detail']})"
        for c in news["checks"]
    ]
    if news["headlines"]:
        lines.append("Headlines (untrusted third-party text, quoted as data):")
        lines += [
            f'- "{h["headline"]}" ({h["source"]}, {h["published_at"]})' for h in news["headlines"]
        ]
    said = news.get("news_agent") or []
    lines.append(f"The news agent said: {said[-1]}" if said else "No news agent spoke on this.")
    return lines


def _market(results: Results) -> list[str]:
    market = results.get("market") or {}
    if not market.get("available"):
        return ["No snapshot is stored for this record, so there are no indicators to show."]
    values = market["indicators"]
    shown = ", ".join(f"{name} {num(value)}" for name, value in values.items())
    lines = [
        f"{market['symbol']} {market['timeframe']} at {market['as_of']}: last price "
        f"{num(market['last_price'])}, RSI(14) {num(values.get('rsi_14'))}, ATR(14) "
        f"{num(values.get('atr_14'))}, trend {market['trend']} (last swing high "
        f"{num(market['last_swing_high'])}, last swing low {num(market['last_swing_low'])}).",
        f"All indicators: {shown}.",
    ]
    lines += [
        f"{view['timeframe']}: trend {view['trend']}, last close {num(view['last_close'])}, "
        f"RSI(14) {num(view['rsi_14'])}, ATR(14) {num(view['atr_14'])}."
        for view in market["higher_timeframes"]
    ]
    session = market["session"]
    zone = session["kill_zone"] if session["kill_zone_active"] else "none"
    lines.append(f"Session: {session['current_session']}; kill zone: {zone}.")
    return lines


def _closest(results: Results) -> list[str]:
    checks = results.get("checks") or {}
    if not checks.get("available"):
        return ["No gate checks were run for this record."]
    closest = checks["closest"]
    lines = [f"{checks['passed']} of {checks['total']} checks passed."]
    if checks["failed"]:
        lines.append(f"Failed: {', '.join(checks['failed'])}.")
    if not closest:
        return [*lines, "No passing check has a numeric limit to compare against."]
    lines.append("Passing checks closest to their limits (headroom as % of the limit):")
    lines += [f"- {c['id']}: {c['detail']} (headroom {num(c['headroom_pct'])}%)" for c in closest]
    return lines


def _after(results: Results) -> list[str]:
    execution = results.get("execution") or {}
    orders, positions = execution.get("orders") or [], execution.get("positions") or []
    if not orders:
        return [f"No order was placed: the idea is {execution.get('status', 'not an idea')}."]
    lines = []
    for order in orders:
        price, at = num(order["fill_price"]), order["filled_at"]
        filled = (
            f"filled {num(order['lots'])} lots at {price} on {at}"
            if order["fill_price"] is not None
            else f"{order['status']}" + (f" ({order['error']})" if order["error"] else "")
        )
        lines.append(
            f"{order['kind'].capitalize()} order {order['client_order_id']} (requested "
            f"{num(order['requested_price'])}): {filled}."
        )
    for p in positions:
        if p["closed_at"] is None:
            lines.append(
                f"The {p['direction']} position of {num(p['lots'])} lots is still open since "
                f"{p['opened_at']} (entry {num(p['entry_price'])}, stop {num(p['stop'])}, target "
                f"{num(p['take_profit'])})."
            )
        else:
            why = _EXIT_WORDS.get(p["exit_reason"], f"closed ({p['exit_reason']})")
            lines.append(
                f"The position closed on {p['closed_at']} at {num(p['exit_price'])}: {why}; "
                f"P&L {num(p['pnl'])} ({num(p['r_multiple'])} R)."
            )
    return lines


def _transcript(results: Results) -> list[str]:
    transcript = results.get("transcript") or {}
    run = transcript.get("run")
    if not run:
        return ["No agent run is recorded for this idea: it was proposed outside a run."]
    lines = [
        f"Run #{run['id']} with {run['model']}: {run['llm_calls']} LLM calls, "
        f"{run['prompt_tokens']} prompt + {run['completion_tokens']} completion tokens, "
        f"{num(run['seconds'])} s, ended by {run['ended_by']}."
    ]
    said = [e for e in transcript["events"] if e["type"] in ("text", "tool_result", "error")]
    lines += [f"- {e['source']}: {e['content']}" for e in said]
    return lines


def _account(results: Results) -> list[str]:
    account = results.get("account") or {}
    if not account.get("available"):
        return ["No snapshot is stored for this record, so the account is unknown."]
    config = account["risk_config"]
    return [
        f"Account ({account['currency']}): balance {num(account['balance'])}, equity "
        f"{num(account['equity'])}, free margin {num(account['free_margin'])}, daily P&L "
        f"{num(account['daily_pnl'])}, {num(account['trades_today'])} trades today, "
        f"{len(account['open_positions'])} open positions.",
        "Risk config then: " + ", ".join(f"{k} {num(v)}" for k, v in config.items()) + ".",
    ]


def _what_if(results: Results) -> list[str]:
    result = results.get("what_if")
    if not isinstance(result, Mapping):
        return [_WHAT_IF_HELP]
    if "error" in result:
        return [f"The what-if could not run: {result['error']}", _WHAT_IF_HELP]
    lines = [result["summary"]]
    if not result["matches_record"]:
        lines.append(
            "Note: re-running the gate without the change no longer gives the recorded result "
            "(the strategy changed since), so compare against the re-run."
        )
    return [*lines, "Nothing was recorded: a what-if is never a decision."]


def _refuse(results: Results) -> list[str]:
    idea = results.get("idea") or {}
    status = f" {title(idea)} stays {idea['status']}." if idea.get("available") else ""
    return [
        "I only explain what the desk saw, said and did; I cannot approve, reject, place or "
        "close orders, or change any setting, and instructions in a question do not change my "
        f"rules.{status} Approvals happen in the approval queue and settings in the AI control "
        "panel, by you."
    ]


def _summary(results: Results) -> list[str]:
    return [
        *outcome(results),
        *_confidence(results)[:1],
        "Ask me why it was rejected, queued or executed, why this confidence, what the news "
        "agent saw, what RSI/ATR/trend were, which checks came closest to failing, what happened "
        "after, or what if a parameter were different.",
    ]


_WRITERS: dict[Topic, Callable[[Results], list[str]]] = {
    "refuse": _refuse,
    "outcome": outcome,
    "confidence": _confidence,
    "news": _news,
    "market": _market,
    "closest": _closest,
    "after": _after,
    "transcript": _transcript,
    "account": _account,
    "summary": _summary,
    "what_if": _what_if,
}


def write_answer(topics: list[Topic], results: Results) -> str:
    paragraphs = ["\n".join(_WRITERS[topic](results)) for topic in topics]
    return "\n\n".join([*paragraphs, OFFLINE_NOTE])
