"""When the current trading session opened (for "max trades per session")."""

from datetime import datetime, timedelta

from tools.sessions import NEW_YORK, SessionState, SessionWindows


def session_started_at(state: SessionState, windows: SessionWindows) -> datetime | None:
    window = next((w for w in windows.sessions if w.name == state.current_session), None)
    if window is None:
        return None
    local_now = state.at.astimezone(NEW_YORK)
    start = local_now.replace(
        hour=window.start.hour, minute=window.start.minute, second=0, microsecond=0
    )
    if start > local_now:
        start -= timedelta(days=1)
    return start.astimezone(state.at.tzinfo)
