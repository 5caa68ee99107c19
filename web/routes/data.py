"""Market data the desk reads: the economic calendar, news headlines, latest indicators."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import DeskDep
from web.market import MarketBoardDep
from web.rendering import render

router = APIRouter()


@router.get("/data")
def data_page(request: Request, desk: DeskDep, board: MarketBoardDep) -> Response:
    context = {
        "calendar": desk.snapshots.calendar(desk.clock()),
        "headlines": board.headlines(),
        "quotes": board.watchlist(),
    }
    return render(request, "data.html", context)
