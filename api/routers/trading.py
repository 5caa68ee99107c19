"""The account, open positions (the broker's view, read through the Desk) and orders."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DeskDep, SessionDep
from api.routers.params import BeforeId, Limit, SymbolQuery
from api.schemas.common import MAX_ID
from api.schemas.ideas import OrderPublic
from api.schemas.trading import AccountPublic, OrderPage, PositionList
from store.performance import list_orders
from tools.lifecycle import OrderStatus

router = APIRouter(tags=["trading"])


@router.get("/account", summary="Balance, equity, margin and today's figures")
def get_account(desk: DeskDep) -> AccountPublic:
    account, broker = desk.account(), desk.active_broker()
    return AccountPublic(
        **account.model_dump(),
        broker=broker.name,
        is_paper=broker.is_paper,
        margin_level=account.margin_level_pct,
    )


@router.get("/positions", summary="Open positions with their unrealized P/L")
def list_positions(desk: DeskDep) -> PositionList:
    return PositionList(broker=desk.active_broker().name, items=desk.account().positions)


@router.get("/orders", summary="Orders newest first, filtered, one keyset page at a time")
def list_orders_route(
    session: SessionDep,
    status: Annotated[OrderStatus | None, Query()] = None,
    symbol: SymbolQuery = None,
    idea_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    before_id: BeforeId = None,
) -> OrderPage:
    rows = list_orders(
        session, status=status, symbol=symbol, idea_id=idea_id, limit=limit, before_id=before_id
    )
    return OrderPage(
        items=[OrderPublic.model_validate(row) for row in rows],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )
