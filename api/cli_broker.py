"""`countersign broker status|test|use|reconcile`: the brokers the settings configure.

Switching to a remote broker needs --confirm and a passing connection test, as on the web and the
REST API; the switch is signed "human:cli". JSON output has the REST API's shapes.
"""

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.cli_desk import CLI_ACTOR, open_engine
from api.schemas.brokers import BrokerList, BrokerPublic, ReconciliationPublic
from orchestrator.broker_control import BrokerStatus
from orchestrator.desk import Desk
from orchestrator.settings import Settings
from store.db import session_scope
from store.models import ReconciliationRow
from store.queries_brokers import list_reconciliations

EXIT_FAILED = 1  # the broker did not answer: not a usage error (2)


@contextmanager
def _open_desk(settings: Settings) -> Iterator[Desk]:
    with open_engine(settings) as engine:
        desk = Desk(engine, settings)
        try:
            yield desk
        finally:
            desk.brokers.close()  # remote adapters hold connection pools


def _status_line(status: BrokerStatus) -> str:
    marker = "*" if status.active else " "
    account = "paper" if status.is_paper else "LIVE"
    failures = f" ({status.consecutive_failures} failed)" if status.consecutive_failures else ""
    message = f": {status.message}" if status.message else ""
    return f"{marker} {status.name} [{account}] {status.health}{failures}{message}"


def _report_lines(report: ReconciliationRow) -> list[str]:
    if report.error is not None:
        return [f"{report.broker}: error: {report.error}"]
    counts = ", ".join(
        f"{len(getattr(report, part))} {part}"
        for part in ("settled", "imported", "closed", "differences")
    )
    lines = [f"{report.broker}: {counts}"]
    lines += [f"  imported {_fields(position)}" for position in report.imported]
    lines += [f"  difference {_fields(difference)}" for difference in report.differences]
    return lines


def _fields(entry: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in entry.items())


def _reconciliation_json(report: ReconciliationRow) -> dict[str, Any]:
    return ReconciliationPublic.model_validate(report).model_dump(mode="json")


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    with _open_desk(settings) as desk:
        statuses = desk.broker_statuses()
        active = next(status.name for status in statuses if status.active)
        with session_scope(desk.engine) as session:
            latest = list_reconciliations(session, broker=active, limit=1)
            last = ReconciliationPublic.model_validate(latest[0]) if latest else None
    if args.json:
        items = [BrokerPublic.model_validate(status) for status in statuses]
        print(BrokerList(items=items, last_reconciliation=last).model_dump_json(indent=2))
        return 0
    print("\n".join(_status_line(status) for status in statuses))
    if last is not None:
        print(f"last reconciliation with {active}: {last.started_at.isoformat()}")
    return 0


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    with _open_desk(settings) as desk:
        status = desk.check_broker(args.name)
    print(_status_line(status))
    return 0 if status.reachable else EXIT_FAILED


def cmd_use(args: argparse.Namespace, settings: Settings) -> int:
    with _open_desk(settings) as desk:
        status = desk.use_broker(args.name, confirm=args.confirm, actor=CLI_ACTOR)
    print(f"new orders go to {status.name}")
    print(_status_line(status))
    return 0


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    with _open_desk(settings) as desk:
        reports = desk.reconcile()
    if args.json:
        print(json.dumps([_reconciliation_json(report) for report in reports], indent=2))
    else:
        print("\n".join(line for report in reports for line in _report_lines(report)))
    return EXIT_FAILED if any(report.error is not None for report in reports) else 0


def add_broker_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    broker = commands.add_parser("broker", help="the brokers: status, test, switch, reconcile")
    actions = broker.add_subparsers(dest="broker_command", required=True, metavar="ACTION")

    status = actions.add_parser("status", help="every configured broker (* is active)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)

    test = actions.add_parser("test", help="ask a broker for its account now (default: active)")
    test.add_argument("name", nargs="?", default=None, metavar="NAME")
    test.set_defaults(handler=cmd_test)

    use = actions.add_parser("use", help="send new orders to this broker")
    use.add_argument("name", metavar="NAME", help="paper, or a configured mt5, alpaca, ibkr")
    use.add_argument("--confirm", action="store_true", help="confirm a remote broker")
    use.set_defaults(handler=cmd_use)

    reconcile = actions.add_parser("reconcile", help="compare the desk's books with the broker")
    reconcile.add_argument("--json", action="store_true", help="machine-readable output")
    reconcile.set_defaults(handler=cmd_reconcile)
