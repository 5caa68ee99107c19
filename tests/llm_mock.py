"""A chat-completions endpoint that answers from each request alone, like a model would.

Shared by the respx-mocked tests (a `ScriptedLLM` is a respx side effect) and by
bench/mock_openai_server.py (which serves `ScriptedLLM.answer` over HTTP). No tests here.

How it answers: the role comes from the system prompt; when the last message is a tool result the
role replies in text, otherwise it makes that role's tool calls with arguments taken from the
desk digest in the task message. The executor submits what `executor` returns (by default the
code's candidate, or direction "none" when there is none). It counts requests and tokens.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from agents import ModelConfig
from agents.digest import read_digest
from agents.roles import Role, role_of
from orchestrator.settings import LlmPrice

BASE_URL = "https://llm.test/v1"
COMPLETIONS_URL = f"{BASE_URL}/chat/completions"
API_KEY = "sk-test-secret"
MODEL = "mock-gpt"
PROMPT_TOKENS, COMPLETION_TOKENS = 100, 20
PRICE = LlmPrice(prompt_per_million=3.0, completion_per_million=15.0)

Proposal = dict[str, Any]
ToolCall = tuple[str, str]  # (tool name, raw JSON arguments)
SideEffect = Callable[[httpx.Request], httpx.Response]
AsyncSideEffect = Callable[[httpx.Request], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class ChatRequest:
    """What one request says, reduced to what the mock answers from."""

    role: Role
    symbol: str
    candidate: Proposal | None  # the digest's candidate as TradeProposal fields, symbol included
    after_tool: bool  # the last message is a tool result
    text: str  # every message's text, as the model would read it


def llm_settings(base_url: str = BASE_URL, **config: Any) -> dict[str, Any]:
    """Settings overrides that point the desk at the mock: the real OpenAI client code path,
    no retries, and a price for MODEL. `config` changes ModelConfig fields."""
    fields = {"base_url": base_url, "api_key": API_KEY, "model": MODEL, "max_retries": 0}
    return {"llm": ModelConfig(**fields | config), "llm_prices": {MODEL: PRICE}}


def read_request(body: Mapping[str, Any]) -> ChatRequest:
    messages = body["messages"]
    texts = [m["content"] for m in messages if isinstance(m.get("content"), str)]
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    role = role_of(system)
    if role is None:
        raise ValueError("every request starts with a desk role's system prompt")
    digest = next((d for d in map(read_digest, texts) if d is not None), None)
    if digest is None:
        raise ValueError("no desk digest in the conversation")
    raw = digest.get("candidate")
    return ChatRequest(
        role=role,
        symbol=digest["symbol"],
        candidate={**raw, "symbol": digest["symbol"]} if raw else None,
        after_tool=messages[-1]["role"] == "tool",
        text="\n".join(texts),
    )


def submit_candidate(request: ChatRequest) -> Proposal:
    """What a sensible executor submits: the code's candidate, or no trade."""
    if request.candidate is None:
        return {"symbol": request.symbol, "direction": "none", "rationale": "no candidate"}
    return request.candidate | {"rationale": "conditions pass"}


def planned_calls(
    request: ChatRequest, executor: Callable[[ChatRequest], Proposal]
) -> list[tuple[str, dict[str, Any]]]:
    """[(tool name, arguments)] for the role's one tool-calling turn."""
    candidate = request.candidate
    match request.role:
        case Role.TECHNICAL:
            return [("indicators", {}), ("evaluate_strategy", {}), ("key_levels", {})]
        case Role.NEWS:
            return [("upcoming_events", {}), ("headlines", {})]
        case Role.RISK if candidate is None:
            return [("confidence", {"direction": side}) for side in ("buy", "sell")]
        case Role.RISK:
            side = {"direction": candidate["direction"]}
            return [
                ("position_size", side),
                ("risk_checks", {"proposal": candidate}),
                ("confidence", side),
            ]
        case Role.EXECUTOR:
            return [("submit_proposal", {"proposal": executor(request)})]


def _estimate(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedLLM:
    """`usage` is (prompt, completion) tokens reported per reply; None estimates them from the
    text (4 characters a token). `tamper` replaces a role's first tool call with a raw
    (name, arguments) pair; roles in `chatty` answer in text without calling a tool."""

    def __init__(
        self,
        *,
        usage: tuple[int, int] | None = (PROMPT_TOKENS, COMPLETION_TOKENS),
        tamper: Mapping[Role, ToolCall] | None = None,
        chatty: frozenset[Role] = frozenset(),
        executor: Callable[[ChatRequest], Proposal] = submit_candidate,
    ) -> None:
        self.usage = usage
        self.tamper = dict(tamper or {})
        self.chatty = chatty
        self.executor = executor
        self.roles: list[Role] = []
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def answer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The chat.completion JSON for a request body."""
        request = read_request(body)
        self.roles.append(request.role)
        if request.after_tool or request.role in self.chatty:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": f"{request.role} on {request.symbol}: the numbers support the view.",
            }
        else:
            message = {"role": "assistant", "content": None, "tool_calls": self._calls(request)}
        prompt, completion = self.usage or (
            _estimate(json.dumps(body.get("messages", [])) + json.dumps(body.get("tools", []))),
            _estimate(json.dumps(message)),
        )
        self.requests += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        return {
            "id": f"chatcmpl-mock-{self.requests}",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if "tool_calls" in message else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    def _calls(self, request: ChatRequest) -> list[dict[str, Any]]:
        calls = [(n, json.dumps(a)) for n, a in planned_calls(request, self.executor)]
        if request.role in self.tamper:
            calls[0] = self.tamper[request.role]
        return [
            {
                "id": f"call_{request.role}_{self.requests}_{i}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            for i, (name, arguments) in enumerate(calls)
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """respx side effect."""
        return httpx.Response(200, json=self.answer(json.loads(request.content)))


def delayed(side_effect: SideEffect, seconds: float) -> AsyncSideEffect:
    """The same answers after `seconds` (an asyncio sleep, so a cancelled run stops waiting)."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(seconds)
        return side_effect(request)

    return slow


# --- what a broken endpoint or model does ------------------------------------------------------


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


def status_error(code: int) -> SideEffect:
    """An error status whose message echoes the API key, as OpenAI's 401 does."""
    body = {"error": {"message": f"Incorrect API key provided: {API_KEY}", "code": str(code)}}
    return lambda request: httpx.Response(code, json=body)


def _invalid_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"})


# Endpoint failures: respx side effects, by a short id for test parametrization.
ENDPOINT_FAILURES: dict[str, SideEffect] = {
    "connection-refused": _refused,
    "401": status_error(401),
    "429": status_error(429),
    "500": status_error(500),
    "503": status_error(503),
    "timeout": _timed_out,
    "invalid-json": _invalid_json,
}

# Junk from the model itself: the executor's tool call, by a short id.
EXECUTOR_JUNK: dict[str, ToolCall] = {
    "malformed-arguments": ("submit_proposal", '{"proposal": {"symbol": "XAUUSD", "direction": '),
    "unknown-tool": ("place_order", '{"symbol": "XAUUSD", "direction": "buy", "lots": 50}'),
    "invalid-direction": ("submit_proposal", '{"proposal": {"symbol": "XAUUSD", "direction": 1}}'),
}
