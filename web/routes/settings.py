"""Settings: the risk limits (validated by the desk, errors at their fields), the AI model with
its "test connection", the broker choice and the paper account reset, and the watchlist."""

import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import DeskDep
from api.routers.agents import check_connection, public_endpoint
from api.schemas.agents import ConnectionCheck
from orchestrator.desk import Desk
from orchestrator.errors import InvalidInput
from web.broker_view import read_account
from web.guard import PageUser, actor
from web.rendering import render, wants_partial
from web.risk_form import EDITABLE, risk_fields
from web.views import Problem, attempt, errors_by_field

router = APIRouter()


def _brokers(desk: Desk, *, notice: str | None = None, error: str | None = None) -> dict[str, Any]:
    """What the broker card shows (`_brokers.html`)."""
    account, account_error = read_account(desk)
    return {
        "brokers": desk.broker_statuses(),
        "account": account,
        "account_error": account_error,
        "settings": desk.settings,
        "broker_notice": notice,
        "broker_error": error,
    }


def _settings_page(
    request: Request,
    desk: Desk,
    *,
    submitted: dict[str, str] | None = None,
    errors: dict[str, list[Problem]] | None = None,
    notice: str | None = None,
    connection: ConnectionCheck | None = None,
    brokers: dict[str, Any] | None = None,
) -> Response:
    llm = desk.settings.llm
    context = {
        "fields": risk_fields(desk.risk_config(), submitted),
        "errors": errors or {},
        "notice": notice,
        "llm": llm,
        "llm_endpoint": public_endpoint(llm.base_url if llm else None),
        "connection": connection,
        **(brokers or _brokers(desk)),
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


def _broker_answer(request: Request, desk: Desk, act: Callable[[], str]) -> Response:
    """Run a broker act; answer with the broker card (htmx) or the whole page."""
    notice, error = attempt(act)
    brokers = _brokers(desk, notice=notice, error=error)
    if wants_partial(request):
        return render(request, "_brokers.html", brokers)
    return _settings_page(request, desk, brokers=brokers)


@router.post("/settings/broker")
def use_broker(
    request: Request,
    desk: DeskDep,
    user: PageUser,
    broker: Annotated[str, Form(max_length=32)],
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    """Send new orders to `broker`: a remote one needs `confirm` and a passing connection test."""

    def act() -> str:
        status = desk.use_broker(broker, confirm=confirm, actor=actor(user))
        return f"Orders now go to {status.name}."

    return _broker_answer(request, desk, act)


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

    return _broker_answer(request, desk, act)
