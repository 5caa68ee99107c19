"""Performance: P/L over time from closed positions, win rate, average R, and counts of ideas by
status and by reason code."""

from fastapi import APIRouter

from api.deps import SessionDep
from api.routers.params import MomentQuery
from store.performance import Performance, performance

router = APIRouter(tags=["performance"])


@router.get("/performance", summary="Results over a period (default: everything)")
def get_performance(
    session: SessionDep, since: MomentQuery = None, until: MomentQuery = None
) -> Performance:
    return performance(session, since=since, until=until)
