"""Per-run LLM usage from AutoGen's LLMCallEvent log records.

Model clients log one LLMCallEvent per completed call on autogen_core.EVENT_LOGGER_NAME. One
handler collects them into the tally of the run whose ContextVar is set in the calling task;
AutoGen's runtime tasks inherit that context, so concurrent runs never mix their counts.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import count
from threading import Lock

from autogen_core import EVENT_LOGGER_NAME
from autogen_core.logging import LLMCallEvent


@dataclass
class UsageTally:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # model -> [prompt, completion] tokens, so a run with per-agent models is priced per model
    by_model: dict[str, list[int]] = field(default_factory=dict)


_current_run: ContextVar[int | None] = ContextVar("countersign_llm_run", default=None)
_tallies: dict[int, UsageTally] = {}
_run_ids = count(1)
_install_lock = Lock()


class _LLMCallCollector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if not isinstance(record.msg, LLMCallEvent):
            return
        tally = _tallies.get(_current_run.get() or 0)
        if tally is not None:
            event = record.msg
            tally.calls += 1
            tally.prompt_tokens += event.prompt_tokens
            tally.completion_tokens += event.completion_tokens
            response = event.kwargs.get("response") or {}
            model = str(response.get("model") or "unknown")
            tokens = tally.by_model.setdefault(model, [0, 0])
            tokens[0] += event.prompt_tokens
            tokens[1] += event.completion_tokens


_collector = _LLMCallCollector(level=logging.INFO)


def _only_llm_calls_below_warning(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or isinstance(record.msg, LLMCallEvent)


def _install() -> None:
    with _install_lock:
        logger = logging.getLogger(EVENT_LOGGER_NAME)
        if _collector in logger.handlers:
            return
        logger.addHandler(_collector)
        if logger.getEffectiveLevel() > logging.INFO:
            # Lowered for LLMCallEvent only: the runtime's per-message INFO events stay dropped,
            # and the calls' whole prompts stay out of the application's logs (the transcript
            # keeps what matters). An application that set INFO itself keeps everything.
            logger.setLevel(logging.INFO)
            logger.addFilter(_only_llm_calls_below_warning)
            logger.propagate = False


@contextmanager
def track_usage() -> Iterator[UsageTally]:
    """Count the LLM calls made by the current task (and the tasks it starts) while inside."""
    _install()
    run_id = next(_run_ids)
    tally = _tallies[run_id] = UsageTally()
    token = _current_run.set(run_id)
    try:
        yield tally
    finally:
        _current_run.reset(token)
        del _tallies[run_id]
