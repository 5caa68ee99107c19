"""`countersign cycle`: run the agent team once for a symbol and stream the conversation."""

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from api.cli_desk import open_engine
from orchestrator.cycle import CycleResult, CycleRunner, model_set
from orchestrator.desk import Desk
from orchestrator.settings import Settings

PREVIEW_CHARS = 240


def _print_event(_run_id: int, event: dict[str, Any]) -> None:
    text = " ".join(event["content"].split())
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + "..."
    tag = "" if event["attempt"] == 1 else " [fallback]"
    print(f"  {event['source']:>9} {event['type']:<11}{tag} {text}", flush=True)


def _summary(result: CycleResult) -> str:
    codes = ", ".join(result.reason_codes) or "none"
    return (
        f"{result.symbol} / {result.strategy}: {result.status} (idea {result.idea_id}, "
        f"run {result.run_id}) ended by {result.ended_by}; reasons: {codes}\n"
        f"  model {result.model}; {result.llm_calls} LLM calls, {result.prompt_tokens} prompt + "
        f"{result.completion_tokens} completion tokens, ${result.cost_usd:.4f}, "
        f"{result.seconds:.2f} s{' (fallback used)' if result.fallback_used else ''}"
    )


def _cmd_cycle(args: argparse.Namespace, settings: Settings) -> int:
    from api.cli import parse_instant

    symbol = args.symbol.upper()
    if args.csv:
        settings = settings.model_copy(
            update={"market_data_csv": {**settings.market_data_csv, symbol: Path(args.csv)}}
        )
    at = parse_instant(args.at)
    with open_engine(settings) as engine:
        clock = (lambda: at) if args.at else None
        desk = Desk(engine, settings, **({"clock": clock} if clock else {}))
        runner = CycleRunner(desk, model_set(settings))
        results = asyncio.run(
            runner.run_symbol(
                symbol, at, args.strategy, on_event=None if args.json else _print_event
            )
        )
    if not results:
        print(f"no active strategy allows {symbol} on {settings.timeframe}")
        return 0
    if args.json:
        print(json.dumps([vars(r) for r in results], indent=2, default=str))
    else:
        for result in results:
            print(_summary(result))
    return 0


def add_cycle_command(commands: Any) -> None:
    cycle = commands.add_parser("cycle", help="run the agent team once for a symbol")
    cycle.add_argument("--symbol", required=True)
    cycle.add_argument("--csv", help="CSV of bars for the symbol (default: demo feed)")
    cycle.add_argument("--at", default=None, help="ISO 8601 moment (default: now)")
    cycle.add_argument("--strategy", default=None, help="only this strategy (default: all)")
    cycle.add_argument("--json", action="store_true", help="machine-readable results")
    cycle.set_defaults(handler=_cmd_cycle)
