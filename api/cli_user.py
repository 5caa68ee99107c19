"""`countersign user create`: make the desk's one owner account from the command line.

The password comes from stdin (--password-stdin, for scripts) or a prompt that does not echo;
it is never printed or logged.
"""

import argparse
import getpass
import sys

from api.auth import OwnerExists, create_owner
from api.cli_desk import open_engine
from orchestrator.settings import Settings
from store.db import session_scope

EXIT_REFUSED = 2


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise ValueError("the passwords do not match")
    return password


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args.password_stdin)
    with open_engine(settings) as engine:
        try:
            with session_scope(engine) as session:
                user = create_owner(session, args.username, password)
        except OwnerExists as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    print(f"created the owner account {user.username!r}")
    return 0


def add_user_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    user = commands.add_parser("user", help="the owner account")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create the owner account (there is one)")
    create.add_argument("--username", required=True)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    create.set_defaults(handler=cmd_user_create)
