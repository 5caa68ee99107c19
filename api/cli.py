"""The `countersign` command line. Every command is a thin call into orchestrator or store.

Bad input prints one line naming the problem to stderr and exits with code 2.
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from api.cli_broker import add_broker_commands
from api.cli_cycle import add_cycle_command
from api.cli_desk import add_desk_commands
from api.cli_explain import add_explain_command
from api.cli_user import add_user_commands
from orchestrator.errors import DeskError
from orchestrator.settings import Settings, SettingsError, load_settings
from tools.errors import ToolError

EXIT_BAD_INPUT = 2
Handler = Callable[[argparse.Namespace, Settings], int]


class CliError(Exception):
    """A user-facing problem with the command's input."""


def parse_instant(text: str | None) -> datetime:
    """ISO 8601 to an aware UTC datetime; naive input is taken as UTC; None means now."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--at: {text!r} is not an ISO 8601 time (e.g. 2026-11-20T14:00Z)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.migrate import current_revision, upgrade

    upgrade(settings.database_url)
    print(f"database at revision {current_revision(settings.database_url)}")
    return 0


def _cmd_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    from api.snapshot_view import render_snapshot, snapshot_json
    from orchestrator.snapshots import SnapshotService

    csv = {args.symbol.upper(): Path(args.csv)} if args.csv else None
    service = SnapshotService(settings, csv_overrides=csv)
    snapshot = service.build(args.symbol, parse_instant(args.at), args.timeframe)
    print(json.dumps(snapshot_json(snapshot), indent=2) if args.json else render_snapshot(snapshot))
    if args.save:
        from api.cli_desk import open_engine
        from store.db import session_scope
        from store.records import save_snapshot

        with open_engine(settings) as engine, session_scope(engine) as session:
            save_snapshot(
                session,
                snapshot.model_dump_json(),
                snapshot.content_hash,
                snapshot.symbol,
                snapshot.timeframe,
                snapshot.as_of,
            )
        print(f"saved snapshot {snapshot.content_hash}", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import logging

    import uvicorn

    from api.app import create_app
    from api.auth import owner_exists, warn_if_exposed
    from store.db import session_scope

    settings = settings.model_copy(
        update={"host": args.host or settings.host, "port": args.port or settings.port}
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # AutoGen logs every chat message at INFO; the transcripts already keep them, in the database.
    logging.getLogger("autogen_core").setLevel(logging.WARNING)
    app = create_app(settings)
    with session_scope(app.state.desk.engine) as session:
        has_owner = owner_exists(session)
    warn_if_exposed(settings.host, has_owner, logging.getLogger("countersign"))
    first_run = "" if has_owner else " (first run: create the owner account there)"
    print(f"Countersign desk at http://{settings.host}:{settings.port}/{first_run}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="countersign", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web desk and the scheduler")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.set_defaults(handler=_cmd_serve)

    snapshot = commands.add_parser("snapshot", help="print what the desk sees for a symbol")
    snapshot.add_argument("--symbol", required=True)
    snapshot.add_argument("--csv", help="CSV of bars for the symbol (default: demo feed)")
    snapshot.add_argument("--timeframe", default=None, help="bar timeframe, e.g. H1")
    snapshot.add_argument("--at", default=None, help="ISO 8601 moment (default: now)")
    snapshot.add_argument("--json", action="store_true", help="machine-readable output")
    snapshot.add_argument("--save", action="store_true", help="persist it in the database")
    snapshot.set_defaults(handler=_cmd_snapshot)

    add_desk_commands(commands)
    add_cycle_command(commands)
    add_explain_command(commands)
    add_user_commands(commands)
    add_broker_commands(commands)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(handler=_cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, load_settings())
    except DeskError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CliError, SettingsError, ToolError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
