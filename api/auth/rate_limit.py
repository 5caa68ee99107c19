"""In-memory sliding-window rate limits per client IP (one process; a restart forgets them).

The client IP is the socket peer: X-Forwarded-For is not trusted, since anyone can send it.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from api.errors import ApiError

LOGIN_FAILURES_PER_MINUTE = 5
EXECUTIONS_PER_MINUTE = 10
_MAX_KEYS = 10_000  # past this many clients, idle ones are swept so memory stays bounded


class RateLimited(ApiError):
    def __init__(self, what: str, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            429,
            "RATE_LIMITED",
            f"too many {what}; retry in {self.retry_after} s",
            {"retry_after_seconds": self.retry_after},
        )


class SlidingWindowLimiter:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(
        self,
        what: str,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.limit, self.window, self._clock = what, limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def check(self, key: str) -> None:
        """Raise RateLimited when `key` has used up its window, without counting an event."""
        with self._lock:
            self._refuse_if_full(key, self._clock())

    def record(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent(key, now).append(now)

    def hit(self, key: str) -> None:
        """Count one event for `key`, refusing it when the window is full."""
        with self._lock:
            now = self._clock()
            self._refuse_if_full(key, now).append(now)

    def _refuse_if_full(self, key: str, now: float) -> deque[float]:
        events = self._recent(key, now)
        if len(events) >= self.limit:
            raise RateLimited(self.what, events[0] + self.window - now)
        return events

    def _recent(self, key: str, now: float) -> deque[float]:
        if key not in self._events and len(self._events) >= _MAX_KEYS:
            cutoff = now - self.window
            self._events = {k: e for k, e in self._events.items() if e and e[-1] > cutoff}
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events


@dataclass
class AuthLimits:
    """One app's limiters (on app.state.auth_limits, so apps and tests never share counts)."""

    login: SlidingWindowLimiter = field(
        default_factory=lambda: SlidingWindowLimiter("failed logins", LOGIN_FAILURES_PER_MINUTE)
    )
    execution: SlidingWindowLimiter = field(
        default_factory=lambda: SlidingWindowLimiter("approvals", EXECUTIONS_PER_MINUTE)
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def auth_limits(request: Request) -> AuthLimits:
    return request.app.state.auth_limits


def execution_rate_limit(request: Request) -> None:
    """Dependency for approve/reject: at most EXECUTIONS_PER_MINUTE per client IP."""
    auth_limits(request).execution.hit(client_ip(request))
