"""Settings: the risk limits (validated by the desk, errors at their fields), the AI model with
its "test connection", the broker and the paper account reset, and the watchlist."""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import DeskDep
from api.routers.agents import check_connection, public_endpoint
from api.schemas.agents import ConnectionCheck
from orchestrator.desk import Desk
from orchestrator.errors import InvalidInput
from web.guard import PageUser, actor
from web.rendering import render, wants_partial
from web.risk_form import EDITABLE, risk_fields
from web.views import Problem, attempt, errors_by_field

router = APIRouter()


def _paper(desk: Desk, *, notice: str | None = None, error: str | None = None) -> dict[str, Any]:
    """What the broker card shows (`_paper_account.html`)."""
    return {
        "account": desk.account(),
        "broker": desk.active_broker(),
        "settings": desk.settings,
        "paper_notice": notice,
        "paper_error": error,
    }


def _settings_page(
    request: Request,
    desk: Desk,
    *,
    submitted: dict[str, str] | None = None,
    errors: dict[str, list[Problem]] | None = None,
    notice: str | None = None,
    connection: ConnectionCheck | None = None,
    paper: dict[str, Any] | None = None,
) -> Response:
    llm = desk.settings.llm
    context = {
        "fields": risk_fields(desk.risk_config(), submitted),
        "errors": errors or {},
        "notice": notice,
        "llm": llm,
        "llm_endpoint": public_endpoint(llm.base_url if llm else None),
        "connection": connection,
        **(paper or _paper(desk)),
    }
    return render(request, "settings.html", context, status=422 if errors else 200)


@router.get("/settings")
def settings_page(request: Request, desk: DeskDep) -> Response:
    return _settings_page(request, desk)


@router.post("/settings/risk")
async def save_risk(request: Request, desk: DeskDep, user: PageUser) -> Response:
    form = await request.form()
    changes = {name: str(value) for name, value in form.items() if name in EDITABLE}
    try:
        await run_in_threadpool(desk.update_risk_config, changes, actor=actor(user))
    except InvalidInput as exc:
        problems = exc.details.get("errors", [{"path": "risk", "message": exc.message}])
        errors = errors_by_field(problems, EDITABLE, rest="risk")
        return await run_in_threadpool(
            _settings_page, request, desk, submitted=changes, errors=errors
        )
    return await run_in_threadpool(_settings_page, request, desk, notice="Risk limits saved.")


@router.post("/settings/llm/test")
async def test_llm(request: Request, desk: DeskDep) -> Response:
    """One short call to the configured model: "AI online" or why not, in plain words."""
    connection = await check_connection(desk.settings)
    if wants_partial(request):
        return render(request, "_llm_test.html", {"connection": connection})
    return await run_in_threadpool(_settings_page, request, desk, connection=connection)


def _starting_balance(text: str) -> float | None:
    """Blank keeps the configured starting balance."""
    if not text.strip():
        return None
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InvalidInput(f"the starting balance must be a positive number, not {text!r}")
    return value


@router.post("/settings/paper/reset")
def reset_paper(
    request: Request,
    desk: DeskDep,
    user: PageUser,
    starting_balance: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def act() -> str:
        account = desk.reset_paper(
            starting_balance=_starting_balance(starting_balance), actor=actor(user)
        )
        return f"Paper account reset: balance {account.balance:,.2f} {account.currency}."

    notice, error = attempt(act)
    paper = _paper(desk, notice=notice, error=error)
    if wants_partial(request):
        return render(request, "_paper_account.html", paper)
    return _settings_page(request, desk, paper=paper)
