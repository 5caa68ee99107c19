"""In-process fan-out of transcript events to whoever watches a run live (SSE, the CLI).

Events are persisted before they are published, so a late watcher reads the history from the
database and then follows here; a slow watcher never blocks a run (its queue drops the oldest).
"""

import asyncio
from collections import defaultdict
from typing import Any

QUEUE_SIZE = 500


class LiveRuns:
    def __init__(self) -> None:
        self._watchers: dict[int, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._any: set[asyncio.Queue[dict[str, Any]]] = set()

    def watch(self, run_id: int | None = None) -> asyncio.Queue[dict[str, Any]]:
        """A queue of events for one run, or for every run when run_id is None."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        (self._any if run_id is None else self._watchers[run_id]).add(queue)
        return queue

    def unwatch(self, queue: asyncio.Queue[dict[str, Any]], run_id: int | None = None) -> None:
        (self._any if run_id is None else self._watchers[run_id]).discard(queue)

    def publish(self, run_id: int, event: dict[str, Any]) -> None:
        for queue in (*self._watchers.get(run_id, ()), *self._any):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait({"run_id": run_id, **event})
