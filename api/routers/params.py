"""Path and query parameter types the routers share, bounded so no input reaches the database
or the date arithmetic in a shape they cannot hold."""

from typing import Annotated

from fastapi import Depends, Path, Query

from api.auth.dependencies import CurrentUser
from api.errors import ApiError
from api.schemas.common import MAX_ID, Moment, Symbol

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page")]
BeforeId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Keyset cursor: the last id of the page before")
]
SymbolQuery = Annotated[Symbol | None, Query(description="e.g. EURUSD")]
MomentQuery = Annotated[Moment | None, Query(description="ISO 8601 with a UTC offset")]


def not_found(what: str, key: int | str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} {key} does not exist", {"id": key})


def _actor(user: CurrentUser) -> str:
    """How a human act is signed in the decision log."""
    return f"human:{user.username}"


Actor = Annotated[str, Depends(_actor)]
