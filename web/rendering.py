"""Rendering: whole pages, or the partial alone when htmx asks for it (`HX-Request`)."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.auth import csrf_token

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _num(value: float | int | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _utc(moment: datetime | None) -> str:
    return "–" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def _http_url(url: str | None) -> str | None:
    """Only http(s) links from untrusted feeds become hrefs (no javascript: or data:)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _pretty_json(text: str) -> str:
    """Tool arguments and results are JSON text: indented when they parse, as sent if not."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text


def _brief_args(text: str, width: int = 80) -> str:
    """A tool call's arguments inside its parentheses: `direction="sell"` when short and flat,
    nothing when there are none, `…` otherwise (the whole call is one click away)."""
    try:
        arguments = json.loads(text) if text.strip() else {}
    except ValueError:
        return "…"
    if not isinstance(arguments, dict):
        return "…"
    if any(isinstance(v, dict | list) for v in arguments.values()):
        return "…"
    brief = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in arguments.items())
    return brief if len(brief) <= width else "…"


def _usd(value: float | None) -> str:
    """Model costs are fractions of a cent per call: four decimals below a dollar."""
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


TEMPLATES.env.filters.update(
    num=_num,
    utc=_utc,
    iso=_iso,
    http_url=_http_url,
    pretty_json=_pretty_json,
    brief_args=_brief_args,
    usd=_usd,
)


def wants_partial(request: Request) -> bool:
    """htmx asked for a fragment (not a history restore, which needs the whole page)."""
    headers = request.headers
    return headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != (
        "true"
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    base = {
        "csrf": csrf_token(request),
        "path": request.url.path,
        "instruments": request.app.state.desk.instruments,
    }
    return TEMPLATES.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status
    )


def fragment(template: str, context: dict[str, Any]) -> str:
    """A partial rendered to text, outside a response (one server-sent event's HTML)."""
    return TEMPLATES.get_template(template).render(context)


def page(
    request: Request, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    """The page `template`, or only its `partial` when htmx asks for it."""
    return render(request, partial if wants_partial(request) else template, context, status=status)
