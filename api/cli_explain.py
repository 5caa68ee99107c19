"""`countersign explain ID ["question"]`: ask the explainer about an idea or a decision, or
re-run the gate with one parameter changed (--what-if). Nothing but the chat is stored."""

import argparse
import asyncio
import json
from typing import Any

from api.cli_desk import open_engine
from orchestrator.explain import ExplainService
from orchestrator.explain_numbers import marked
from orchestrator.explain_record import Subject
from orchestrator.settings import Settings
from store.models import ExplainMessageRow

DEFAULT_QUESTION = "Why did the desk decide this?"


def _print_answer(answer: ExplainMessageRow) -> None:
    print(marked(answer.content, answer.unmatched_numbers))
    print(f"\nSources: {', '.join(s['tool'] for s in answer.sources) or 'none'}")
    if answer.unmatched_numbers:
        numbers = ", ".join(n["text"] for n in answer.unmatched_numbers)
        print(f"Not in the record: {numbers}")
    print(f"Model: {answer.model}")


def _what_if(service: ExplainService, subject: Subject, change: str, as_json: bool) -> None:
    parameter, _, value = change.partition("=")
    if not parameter.strip() or not value.strip():
        raise ValueError("--what-if: write PARAMETER=VALUE, e.g. min_confidence_threshold=80")
    result = service.what_if(subject, parameter.strip(), value.strip())
    print(json.dumps(result.model_dump(mode="json"), indent=2) if as_json else result.summary)


def _cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    subject = Subject(decision_id=args.id) if args.decision else Subject(idea_id=args.id)
    with open_engine(settings) as engine:
        service = ExplainService(engine, settings)
        if args.what_if:
            _what_if(service, subject, args.what_if, args.json)
            return 0
        turn = asyncio.run(service.ask(subject, args.question, args.conversation))
    assert turn.answer is not None
    if args.json:
        print(json.dumps(turn.answer.model_dump(mode="json"), indent=2))
    else:
        _print_answer(turn.answer)
    return 0


def add_explain_command(commands: Any) -> None:
    explain = commands.add_parser(
        "explain", help="ask why the desk decided what it did (grounded in the record)"
    )
    explain.add_argument("id", type=int, help="the idea's id (a decision's with --decision)")
    explain.add_argument("question", nargs="?", default=DEFAULT_QUESTION)
    explain.add_argument("--decision", action="store_true", help="ID is a decision's id")
    explain.add_argument("--conversation", default=None, help="a named thread (default: one)")
    explain.add_argument(
        "--what-if",
        metavar="PARAMETER=VALUE",
        help="re-run the gate with one change, e.g. min_confidence_threshold=80 or lots=0.05",
    )
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    explain.set_defaults(handler=_cmd_explain)
