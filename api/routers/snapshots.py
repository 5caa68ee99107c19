"""Building a fresh snapshot for a request, with a bad symbol or moment answered as such."""

from datetime import datetime

from api.errors import ApiError
from orchestrator.desk import Desk
from tools.errors import FeedError, ToolError
from tools.snapshot import Snapshot


def fresh_snapshot(
    desk: Desk, symbol: str, at: datetime | None = None, timeframe: str | None = None
) -> Snapshot:
    """The snapshot at `at` (default: the desk's clock). 422 for an unknown symbol, a moment in
    the future or without enough bars, or a timeframe the data cannot give; 503 when a feed is
    down."""
    now = desk.clock()
    if at is not None and at > now:
        raise ApiError(
            422,
            "INVALID_INPUT",
            "at: the desk does not look into the future",
            {"errors": [{"path": "at", "message": f"must not be after {now.isoformat()}"}]},
        )
    try:
        return desk.snapshots.build(symbol, at or now, timeframe)
    except FeedError as exc:
        raise ApiError(503, "FEED_UNAVAILABLE", str(exc), {"symbol": symbol}) from None
    except (ToolError, ValueError) as exc:
        raise ApiError(422, "INVALID_INPUT", str(exc), {"symbol": symbol}) from None
