"""The desk's four roles: agent names, speaking order, system prompts, and how to recognise one.

The offline model and the test doubles tell a role from its system prompt's first sentence, so
that sentence is defined here and checked against every prompt file by the tests.
"""

import re
from enum import StrEnum

from prompts import load_prompt


class Role(StrEnum):
    TECHNICAL = "technical"
    NEWS = "news"
    RISK = "risk"
    EXECUTOR = "executor"


SPEAKING_ORDER: tuple[Role, ...] = (Role.TECHNICAL, Role.NEWS, Role.RISK, Role.EXECUTOR)
TITLES: dict[Role, str] = {
    Role.TECHNICAL: "technical analyst",
    Role.NEWS: "news analyst",
    Role.RISK: "risk manager",
    Role.EXECUTOR: "executor",
}
_IDENTITY = re.compile(r"You are the ([a-z ]+?) of the Countersign trading desk")
_ROLE_BY_TITLE = {title: role for role, title in TITLES.items()}

# How an agent that does not reflect on its tool results words its final message: one line per
# tool. The offline executor reads the risk manager's verdict back with `parse_tool_summary`.
TOOL_SUMMARY_FORMAT = "{tool_name}: {result}"


def system_prompt(role: Role) -> str:
    return load_prompt(role.value, names={r.value: r.value for r in Role})


def role_of(system_prompt_text: str) -> Role | None:
    match = _IDENTITY.search(system_prompt_text)
    return _ROLE_BY_TITLE.get(match.group(1)) if match else None


def parse_tool_summary(text: str) -> dict[str, str]:
    """{tool name: raw result} from a message worded with TOOL_SUMMARY_FORMAT."""
    results: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, result = line.partition(": ")
        if sep and name.isidentifier():
            results.setdefault(name, result)
    return results
