"""A tiny OpenAI-compatible chat-completions server on 127.0.0.1, for benchmarks.

It answers like the tests' respx mock (tests/llm_mock.py: from the request alone, token usage
estimated from the text), waits a fixed latency per call and counts requests, tokens and the most
requests in flight at once (GET /stats; POST /stats/reset-peak starts a new peak). It runs in its
own process so its work does not share the benchmarked desk's interpreter.

Alone:      uv run python bench/mock_openai_server.py --latency-ms 200 [--port 8765]
From code:  with MockOpenAIServer(latency_seconds=0.2) as server: ... server.base_url ...
"""

import argparse
import asyncio
import select
import socket
import subprocess
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.llm_mock import ScriptedLLM

HOST = "127.0.0.1"
DEFAULT_LATENCY_MS = 200
READY_PREFIX = "listening on "
START_TIMEOUT_SECONDS = 30


@dataclass
class InFlight:
    now: int = 0
    most: int = 0


def create_app(latency_seconds: float) -> FastAPI:
    app = FastAPI(openapi_url=None)
    llm = ScriptedLLM(usage=None)
    flight = InFlight()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        flight.now += 1
        flight.most = max(flight.most, flight.now)
        try:
            await asyncio.sleep(latency_seconds)
            answer = llm.answer(await request.json())
        except (ValueError, KeyError) as exc:  # not a desk conversation
            return JSONResponse({"error": {"message": str(exc)}}, status_code=400)
        finally:
            flight.now -= 1
        return JSONResponse(answer)

    @app.post("/stats/reset-peak")
    async def reset_peak() -> dict[str, int]:
        flight.most = flight.now
        return {"max_in_flight": flight.most}

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {
            "requests": llm.requests,
            "prompt_tokens": llm.prompt_tokens,
            "completion_tokens": llm.completion_tokens,
            "max_in_flight": flight.most,
        }

    return app


def serve(port: int, latency_seconds: float) -> None:
    """Serve until killed; prints READY_PREFIX + the base URL once the socket listens."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(1024)
    print(f"{READY_PREFIX}http://{HOST}:{sock.getsockname()[1]}/v1", flush=True)
    config = uvicorn.Config(
        create_app(latency_seconds),
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=1024,
    )
    uvicorn.Server(config).run(sockets=[sock])


class MockOpenAIServer:
    """The server in a child process on a free port; stopped on exit."""

    def __init__(self, latency_seconds: float = DEFAULT_LATENCY_MS / 1000) -> None:
        self.latency_seconds = latency_seconds
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> "MockOpenAIServer":
        command = [sys.executable, __file__, "--port", "0"]
        command += ["--latency-ms", str(self.latency_seconds * 1000)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = self._process.stdout.readline() if ready else ""
        if not line.startswith(READY_PREFIX):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the mock OpenAI server did not start: {line!r}")
        self.base_url = line.removeprefix(READY_PREFIX).strip()
        return self

    def stats(self) -> dict[str, Any]:
        """Requests and tokens so far, and the most requests in flight since the last reset."""
        return httpx.get(f"{self._root}/stats", timeout=5).json()

    def reset_peak(self) -> None:
        httpx.post(f"{self._root}/stats/reset-peak", timeout=5).raise_for_status()

    @property
    def _root(self) -> str:
        return self.base_url.removesuffix("/v1")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
        self._process = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_LATENCY_MS)
    args = parser.parse_args()
    serve(args.port, args.latency_ms / 1000)


if __name__ == "__main__":
    main()
