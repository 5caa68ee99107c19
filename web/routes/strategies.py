"""Strategies: the list with activate/deactivate, and the editor for new, cloned and edited
ones. Changes go through the Desk, which validates them; its errors show at their fields."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.deps import DeskDep
from orchestrator import strategy_book
from store.db import session_scope
from tools.strategies import StrategyDefinitionError, seed_strategies
from web.guard import PageUser, actor
from web.rendering import page, render
from web.strategy_form import StrategyForm
from web.views import Problem, attempt, errors_by_field

router = APIRouter()


def _strategies_page(
    request: Request, desk: DeskDep, *, notice: str | None = None, error: str | None = None
) -> Response:
    with session_scope(desk.engine) as session:
        strategies = strategy_book.all_strategies(session)
    context = {"strategies": strategies, "notice": notice, "error": error}
    return page(request, "strategies.html", "_strategy_rows.html", context)


@router.get("/strategies")
def strategies(request: Request, desk: DeskDep, saved: str | None = None) -> Response:
    return _strategies_page(request, desk, notice=f"Saved {saved}." if saved else None)


@router.post("/strategies/active")
def set_active(
    request: Request,
    desk: DeskDep,
    user: PageUser,
    name: Annotated[str, Form()],
    active: Annotated[bool, Form()],
) -> Response:
    def act() -> str:
        desk.set_strategy_active(name, active, actor=actor(user))
        return f"{name} is now {'active' if active else 'inactive'}."

    notice, error = attempt(act)
    return _strategies_page(request, desk, notice=notice, error=error)


def _editor(
    request: Request,
    form: StrategyForm,
    *,
    title: str,
    errors: dict[str, list[Problem]] | None = None,
) -> Response:
    context = {"form": form, "title": title, "errors": errors or {}}
    return render(request, "strategy_edit.html", context, status=422 if errors else 200)


@router.get("/strategies/new")
def new_strategy(request: Request, desk: DeskDep, clone: str | None = None) -> Response:
    """A blank-ish starter (the first seed, inactive), or a copy of `clone` to change."""
    source = None
    if clone:
        with session_scope(desk.engine) as session:
            source = strategy_book.find(session, clone)
    if source is None:
        form = StrategyForm.of(seed_strategies()[0], name="New strategy", active=False)
        return _editor(request, form, title="New strategy")
    form = StrategyForm.of(source, name=f"{source.name} (copy)", active=False)
    return _editor(request, form, title=f"Clone of {source.name}")


@router.get("/strategies/edit")
def edit_strategy(request: Request, desk: DeskDep, name: str) -> Response:
    with session_scope(desk.engine) as session:
        strategy = strategy_book.find(session, name)
    if strategy is None:
        return render(request, "missing.html", {"what": f"Strategy {name!r}"}, status=404)
    return _editor(request, StrategyForm.of(strategy), title=f"Edit {name}")


@router.post("/strategies/save")
def save_strategy(
    request: Request, desk: DeskDep, user: PageUser, form: Annotated[StrategyForm, Form()]
) -> Response:
    data, problems = form.definition()
    if not problems:
        try:
            saved = desk.save_strategy(data, actor=actor(user))
        except StrategyDefinitionError as exc:
            problems = exc.errors
    if problems:
        return _editor(
            request,
            form,
            title=f"Fix {form.name or 'the strategy'}",
            errors=errors_by_field(problems, StrategyForm.model_fields, rest="strategy"),
        )
    return RedirectResponse(f"/strategies?{urlencode({'saved': saved.name})}", status_code=303)
