"""Loads the agents' system prompts and the task message: Jinja files kept next to this module.

Prompts are data: editing a file changes what an agent is told without touching code.
"""

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

PROMPT_DIR = Path(__file__).parent
SUFFIX = ".j2"


class PromptNotFoundError(LookupError):
    """No prompt file with that name exists in prompts/."""


@cache
def _environment() -> Environment:
    # Plain text, not HTML: no autoescaping; StrictUndefined makes a missing variable an error
    # instead of a silently blank line in a system prompt.
    return Environment(
        loader=FileSystemLoader(PROMPT_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def available_prompts() -> list[str]:
    """Prompt names; files starting with "_" are partials other prompts include."""
    return sorted(p.stem for p in PROMPT_DIR.glob(f"*{SUFFIX}") if not p.stem.startswith("_"))


def load_prompt(name: str, **context: Any) -> str:
    """Render prompts/<name>.j2 with `context`; raises PromptNotFoundError for unknown names."""
    try:
        template = _environment().get_template(f"{name}{SUFFIX}")
    except TemplateNotFound:
        raise PromptNotFoundError(
            f"no prompt named {name!r} (known: {', '.join(available_prompts())})"
        ) from None
    return template.render(**context).strip()
