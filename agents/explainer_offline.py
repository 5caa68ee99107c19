"""The offline explainer: answers the common questions about a record without an LLM.

It reads the question's topics (why rejected/queued/executed, confidence, news, indicators,
closest checks, what happened after, what if...), calls the matching views of the record, then
writes the answer from their results alone (explainer_answers), so every number in it is one the
record holds. Requests to act ("approve this", "set the threshold to 0") are refused: the
explainer has nothing that could act, and says so.
"""

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    RequestUsage,
    UserMessage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.explainer_answers import Topic, write_answer
from agents.offline import OfflineChatCompletionClient

ToolCallPlan = list[tuple[str, dict[str, Any]]]

_ACTS = (
    r"approve|reject|execute|buy|sell|place|submit|close(?!\s+to\b)|cancel|set|change|raise|lower|"
    r"increase|decrease|turn|switch|halt|resume|enable|disable|ignore|forget|override|delete|"
    r"update|modify|disregard"
)
_HOSTILE = re.compile(
    rf"^\W*(?:please\s+)?(?:{_ACTS})\b"
    rf"|\b(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:{_ACTS})\b"
    r"|\bignore\s+(?:your|all|the|any|previous|prior)\b|\bnew\s+instructions?\b",
    re.IGNORECASE,
)
_WHAT_IF = re.compile(r"\bwhat\s+(?:if|would)\b|\bwould\s+(?:it|this|the\s+idea)\b", re.I)
_TOPICS: list[tuple[Topic, re.Pattern[str]]] = [
    ("confidence", re.compile(r"confiden|\bscore", re.I)),
    ("news", re.compile(r"\bnews|headline|calendar|\bevents?\b|blackout", re.I)),
    (
        "market",
        re.compile(
            r"\brsi\b|\batr\b|\btrend|indicator|\bmacd\b|\bema|\bsma|moving average|volatil|"
            r"support|resistance|swing|\bprice\b|\bbars?\b|session|kill ?zone",
            re.I,
        ),
    ),
    ("closest", re.compile(r"closest|close to fail|nearly|almost|headroom|borderline|tight", re.I)),
    (
        "after",
        re.compile(
            r"\bafter|\bfill|\bstop(?:ped)?\b|target|\bhit\b|p&l|pnl|profit|\bloss|\bposition|"
            r"\borders?\b|happened",
            re.I,
        ),
    ),
    (
        "transcript",
        re.compile(
            r"transcript|\bagents?\s+(?:said|say|discuss)|discussion|technical analyst|"
            r"risk manager|executor|\bwho said",
            re.I,
        ),
    ),
    ("account", re.compile(r"account|equity|balance|exposure|drawdown", re.I)),
]
_OUTCOME = re.compile(
    r"\bwhy\b|reject|queue|execut|approv|status|outcome|decid|decision|pass|fail|gate", re.I
)
# What-if phrasings the offline explainer understands: (pattern, parameter, fixed value or
# None for the number the pattern captured).
_NUMBER = r"(\d+(?:\.\d+)?)"
_WHAT_IF_PARAMETERS: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(rf"threshold\D{{0,25}}?{_NUMBER}", re.I), "min_confidence_threshold", None),
    (
        re.compile(
            r"news filter\W+(?:\w+\W+){0,3}?(?:off|relaxed)|without the (?:strict )?news", re.I
        ),
        "news_filter_mode",
        "relaxed",
    ),
    (
        re.compile(r"(?:strict news|news filter\W+(?:\w+\W+){0,3}?(?:on|strict))", re.I),
        "news_filter_mode",
        "strict",
    ),
    (re.compile(rf"\blots?\b(?:\s+size)?\D{{0,15}}?{_NUMBER}", re.I), "lots", None),
    (re.compile(rf"{_NUMBER}\s*lots?\b", re.I), "lots", None),
    (re.compile(rf"min(?:imum)?[ _]?r:?r\D{{0,15}}?{_NUMBER}", re.I), "min_rr", None),
    (re.compile(rf"risk\D{{0,20}}?{_NUMBER}\s*%", re.I), "risk_per_trade_pct", None),
    (
        re.compile(r"\b(analysis_only|simulation|approval_required|semi_auto|full_auto)\b", re.I),
        "mode",
        None,
    ),
]


def topics_of(question: str) -> list[Topic]:
    """What the question asks about, in answer order; "refuse" for requests to act."""
    if _HOSTILE.search(question):
        return ["refuse"]
    if _WHAT_IF.search(question):
        return ["what_if"]
    found = [topic for topic, pattern in _TOPICS if pattern.search(question)]
    if _OUTCOME.search(question) and not found:
        return ["outcome"]
    return found or ["summary"]


def what_if_change(question: str) -> tuple[str, str] | None:
    """(parameter, value) the question names, e.g. ("min_confidence_threshold", "80")."""
    for pattern, parameter, value in _WHAT_IF_PARAMETERS:
        match = pattern.search(question)
        if match:
            found = value or match.group(1)
            return parameter, found.upper() if parameter == "mode" else found
    return None


_TOOLS: dict[Topic, list[str]] = {
    "refuse": ["idea"],
    "outcome": ["idea", "decisions", "checks"],
    "confidence": ["confidence"],
    "news": ["news"],
    "market": ["market"],
    "closest": ["checks"],
    "after": ["idea", "execution"],
    "transcript": ["transcript"],
    "account": ["account"],
    "summary": ["idea", "checks", "confidence"],
    "what_if": [],
}


def plan_calls(question: str) -> ToolCallPlan:
    topics = topics_of(question)
    if topics == ["what_if"]:
        change = what_if_change(question)
        if change is None:
            return []
        return [("what_if", {"parameter": change[0], "value": change[1]})]
    names = dict.fromkeys(name for topic in topics for name in _TOOLS[topic])
    return [(name, {}) for name in names]


def _question(messages: Sequence[LLMMessage]) -> tuple[int, str]:
    """The position and text of the question being answered: the last user message."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, UserMessage) and isinstance(message.content, str):
            return index, message.content
    raise ValueError("the offline explainer found no question to answer")


def _results(messages: Sequence[LLMMessage]) -> dict[str, Any]:
    """Tool results by tool name (parsed JSON; {"error": text} for a failed call), from the
    calls made for this question."""
    results: dict[str, Any] = {}
    for message in messages:
        if isinstance(message, FunctionExecutionResultMessage):
            for result in message.content:
                try:
                    parsed = {"error": result.content} if result.is_error else None
                    results[result.name] = parsed or json.loads(result.content)
                except json.JSONDecodeError:
                    results[result.name] = {"error": result.content}
    return results


class ExplainerOfflineClient(OfflineChatCompletionClient):
    """The offline rules model for the explainer: usage, streaming and the LLMCallEvent come
    from the desk's offline client; only what it says differs."""

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        if cancellation_token is not None and cancellation_token.is_cancelled():
            raise asyncio.CancelledError
        index, question = _question(messages)
        results = _results(messages[index + 1 :])
        offered = {t.schema["name"] if isinstance(t, Tool) else t["name"] for t in tools}
        calls = [] if results or tool_choice == "none" else plan_calls(question)
        calls = [(name, args) for name, args in calls if name in offered]
        content: str | list[FunctionCall]
        if calls:
            content = [
                FunctionCall(id=f"explain-{i}", name=name, arguments=json.dumps(args))
                for i, (name, args) in enumerate(calls)
            ]
            answer = json.dumps([[name, args] for name, args in calls])
        else:
            content = answer = write_answer(topics_of(question), results)
        reply = AssistantMessage(content=answer, source="explainer")
        usage = RequestUsage(
            prompt_tokens=self.count_tokens(messages, tools=tools),
            completion_tokens=self.count_tokens([reply]),
        )
        self._record(messages, answer, usage)
        return CreateResult(
            finish_reason="function_calls" if calls else "stop",
            content=content,
            usage=usage,
            cached=False,
        )
