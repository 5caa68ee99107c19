"""JSON auth endpoints: setup, login, logout, me (/api/v1/auth) and API tokens (/api/v1/tokens)."""

from fastapi import APIRouter, Depends, Request, Response

from api.auth.accounts import OwnerExists, create_owner, owner_exists
from api.auth.dependencies import CurrentUser, require_user
from api.auth.password_login import password_login
from api.auth.schemas import (
    Credentials,
    CsrfPublic,
    OwnerCreate,
    SetupNeeded,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from api.auth.sessions import login, logout
from api.auth.tokens import create_api_token, list_api_tokens, revoke_api_token
from api.deps import SessionDep
from api.errors import ApiError

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
tokens_router = APIRouter(
    prefix="/api/v1/tokens", tags=["auth"], dependencies=[Depends(require_user)]
)


@auth_router.get("/setup-needed")
def setup_needed(session: SessionDep) -> SetupNeeded:
    return SetupNeeded(setup_needed=not owner_exists(session))


@auth_router.post("/setup", status_code=201)
def setup(
    body: OwnerCreate, request: Request, response: Response, session: SessionDep
) -> CsrfPublic:
    """Create the one owner account (only while there is none) and log it in."""
    try:
        user = create_owner(session, body.username, body.password)
    except OwnerExists as exc:
        raise ApiError(409, "OWNER_EXISTS", str(exc)) from None
    except ValueError as exc:
        raise ApiError(422, "INVALID_INPUT", str(exc)) from None
    return CsrfPublic(csrf_token=login(request, response, user))


@auth_router.post("/login")
def login_with_password(
    body: Credentials, request: Request, response: Response, session: SessionDep
) -> CsrfPublic:
    """Sets the session cookie; send the returned token as X-CSRF-Token on unsafe requests."""
    token = password_login(request, response, session, body.username, body.password)
    return CsrfPublic(csrf_token=token)


@auth_router.post("/logout", status_code=204)
def logout_session(response: Response) -> None:
    logout(response)


@auth_router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@tokens_router.get("")
def tokens(session: SessionDep) -> list[TokenPublic]:
    return [TokenPublic.model_validate(row) for row in list_api_tokens(session)]


@tokens_router.post("", status_code=201)
def new_token(body: TokenCreate, user: CurrentUser, session: SessionDep) -> TokenCreated:
    row, token = create_api_token(session, user, body.name)
    return TokenCreated(**TokenPublic.model_validate(row).model_dump(), token=token)


@tokens_router.delete("/{token_id}")
def revoke_token(token_id: int, session: SessionDep) -> TokenPublic:
    row = revoke_api_token(session, token_id)
    if row is None:
        raise ApiError(404, "NOT_FOUND", f"no API token {token_id}")
    return TokenPublic.model_validate(row)


router = APIRouter()
router.include_router(auth_router)
router.include_router(tokens_router)
