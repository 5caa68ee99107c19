"""The desk's `countersign` commands: the approval queue, human acts, history and controls.

Reads go through store queries, commands through `Desk`; every human act is signed "human:cli".
"""

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from orchestrator.controls import trading_state
from orchestrator.desk import Desk
from orchestrator.settings import Settings
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import DecisionRow, TradeIdeaRow
from store.queries import list_decisions, list_ideas
from store.records import get_risk_config
from tools.lifecycle import DecisionAction, IdeaStatus
from tools.risk_config import Mode, RiskConfig

CLI_ACTOR = "human:cli"
IDEA_COLUMNS = ("id", "symbol", "dir", "entry", "stop", "target", "lots", "rr", "conf", "status")
DECISION_COLUMNS = ("id", "time", "action", "actor", "symbol", "idea", "reasons")


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """The configured database, migrated first so a fresh machine works."""
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """An argparse type: a number of `kind` above zero."""

    def convert(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be above zero")
        return value

    return convert


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(_padded(line, widths) for line in [header, *rows])


def _padded(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


# --- ideas ------------------------------------------------------------------------------------


def idea_json(idea: TradeIdeaRow) -> dict[str, Any]:
    return {
        "id": idea.id,
        "symbol": idea.symbol,
        "direction": idea.direction,
        "entry": idea.entry,
        "stop": idea.stop,
        "target": idea.targets[0] if idea.targets else None,
        "lots": idea.approved_lots if idea.approved_lots is not None else idea.computed_lots,
        "rr": idea.rr,
        "confidence": idea.confidence,
        "status": idea.status.value,
        "expires_at": _time(idea.expires_at),
    }


def _idea_row(idea: dict[str, Any]) -> tuple[str, ...]:
    numbers = [_num(idea[key]) for key in ("entry", "stop", "target", "lots", "rr", "confidence")]
    status = idea["status"]
    if status == IdeaStatus.NEEDS_APPROVAL and idea["expires_at"]:
        status = f"{status} until {idea['expires_at']}"
    return (str(idea["id"]), idea["symbol"], idea["direction"], *numbers, status)


def cmd_ideas(args: argparse.Namespace, settings: Settings) -> int:
    statuses = None if args.all else [IdeaStatus.NEEDS_APPROVAL]
    with open_engine(settings) as engine, session_scope(engine) as session:
        ideas = [idea_json(idea) for idea in list_ideas(session, statuses, limit=args.limit)]
    if args.json:
        print(json.dumps(ideas, indent=2))
    elif not ideas:
        print("no ideas" if args.all else "no ideas waiting for approval")
    else:
        print(_table(IDEA_COLUMNS, [_idea_row(idea) for idea in ideas]))
    return 0


# --- human acts -------------------------------------------------------------------------------


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings) as engine:
        status = Desk(engine, settings).approve(args.idea_id, lots=args.lots, actor=CLI_ACTOR)
    print(f"idea {args.idea_id} approved: {status}")
    return 0


def cmd_reject(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings) as engine:
        Desk(engine, settings).reject(args.idea_id, reason=args.reason, actor=CLI_ACTOR)
    print(f"idea {args.idea_id} rejected")
    return 0


# --- history ----------------------------------------------------------------------------------


def decision_json(decision: DecisionRow) -> dict[str, Any]:
    return {
        "id": decision.id,
        "created_at": _time(decision.created_at),
        "action": decision.action.value,
        "actor": decision.actor,
        "symbol": decision.symbol,
        "idea_id": decision.idea_id,
        "reason_codes": decision.reason_codes,
        "mode": decision.mode.value if decision.mode else None,
        "confidence": decision.confidence,
        "details": decision.details,
    }


def _decision_row(decision: dict[str, Any]) -> tuple[str, ...]:
    reasons = ",".join(decision["reason_codes"]) or decision["details"].get("reason") or "-"
    return (
        str(decision["id"]),
        decision["created_at"],
        decision["action"],
        decision["actor"],
        decision["symbol"] or "-",
        str(decision["idea_id"] or "-"),
        reasons,
    )


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    symbol = args.symbol.upper() if args.symbol else None
    with open_engine(settings) as engine, session_scope(engine) as session:
        rows = list_decisions(session, symbol=symbol, action=args.action, limit=args.limit)
        decisions = [decision_json(row) for row in rows]
    if args.json:
        print(json.dumps(decisions, indent=2))
    elif not decisions:
        print("no decisions")
    else:
        print(_table(DECISION_COLUMNS, [_decision_row(d) for d in decisions]))
    return 0


# --- controls ---------------------------------------------------------------------------------


def _print_status(config: RiskConfig) -> int:
    state = trading_state(config)
    halted = f" ({config.last_halt_reason})" if not config.ai_trading_enabled else ""
    print(f"mode {config.mode}, trading {state}{halted}")
    return 0


def cmd_mode(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings) as engine:
        if args.new is None:
            with session_scope(engine) as session:
                return _print_status(get_risk_config(session))
        desk = Desk(engine, settings)
        return _print_status(desk.set_mode(Mode(args.new), confirm=args.confirm, actor=CLI_ACTOR))


def cmd_halt(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings) as engine:
        return _print_status(Desk(engine, settings).halt(args.reason, actor=CLI_ACTOR))


def cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings) as engine:
        return _print_status(Desk(engine, settings).resume(actor=CLI_ACTOR))


def add_desk_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    ideas = commands.add_parser("ideas", help="list ideas waiting for approval")
    ideas.add_argument("--all", action="store_true", help="every idea, not only queued ones")
    ideas.add_argument("--limit", type=_positive(int), default=50)
    ideas.add_argument("--json", action="store_true", help="machine-readable output")
    ideas.set_defaults(handler=cmd_ideas)

    approve = commands.add_parser("approve", help="approve a queued idea (orders it)")
    approve.add_argument("idea_id", type=int, metavar="ID")
    approve.add_argument("--lots", type=_positive(float), help="fewer lots than computed")
    approve.set_defaults(handler=cmd_approve)

    reject = commands.add_parser("reject", help="reject a queued idea")
    reject.add_argument("idea_id", type=int, metavar="ID")
    reject.add_argument("--reason", default=None)
    reject.set_defaults(handler=cmd_reject)

    history = commands.add_parser("history", help="decisions, newest first")
    history.add_argument("--symbol")
    history.add_argument(
        "--action",
        type=DecisionAction,
        choices=list(DecisionAction),
        metavar="ACTION",
        help=", ".join(DecisionAction),
    )
    history.add_argument("--limit", type=_positive(int), default=50)
    history.add_argument("--json", action="store_true", help="machine-readable output")
    history.set_defaults(handler=cmd_history)

    mode = commands.add_parser("mode", help="show or change the desk's mode")
    mode.add_argument(
        "new", nargs="?", type=str.upper, choices=list(Mode), metavar="NEW", help=", ".join(Mode)
    )
    mode.add_argument("--confirm", action="store_true", help="confirm a mode that auto-trades")
    mode.set_defaults(handler=cmd_mode)

    halt = commands.add_parser("halt", help="stop all order submission (kill switch)")
    halt.add_argument("--reason", default="halted from the CLI")
    halt.set_defaults(handler=cmd_halt)

    commands.add_parser("resume", help="resume trading").set_defaults(handler=cmd_resume)
