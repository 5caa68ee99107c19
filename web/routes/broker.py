"""The dashboard's broker card: test the connection to the broker in use, or reconcile now. Each
answers with the card itself (or, without htmx, sends back to the dashboard)."""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.deps import DeskDep
from orchestrator.desk import Desk
from web.broker_view import broker_card, connection_answer, reconciliation_answer
from web.rendering import render, wants_partial

router = APIRouter()


def _card(request: Request, desk: Desk, answer: tuple[str | None, str | None]) -> Response:
    if not wants_partial(request):
        return RedirectResponse("/", status_code=303)
    notice, error = answer
    return render(
        request, "_broker_card.html", {"broker": broker_card(desk, notice=notice, error=error)}
    )


@router.post("/broker/check")
def check_broker(request: Request, desk: DeskDep) -> Response:
    return _card(request, desk, connection_answer(desk.check_broker()))


@router.post("/broker/reconcile")
def reconcile(request: Request, desk: DeskDep) -> Response:
    return _card(request, desk, reconciliation_answer(desk.reconcile()))
