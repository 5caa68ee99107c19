"""Bearer API tokens: minted once, stored as their SHA-256, revoked (never deleted)."""

import hashlib
import secrets

from sqlmodel import Session, col, select

from store.models import ApiTokenRow, UserRow
from store.types import utc_now

TOKEN_PREFIX = "cs_"
DISPLAY_CHARS = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: UserRow, name: str) -> tuple[ApiTokenRow, str]:
    """The stored row and the token itself, which is returned here once and kept nowhere."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(
        user_id=user.id, name=name, token_hash=_digest(token), prefix=token[:DISPLAY_CHARS]
    )
    session.add(row)
    session.flush()
    return row, token


def list_api_tokens(session: Session) -> list[ApiTokenRow]:
    return list(session.exec(select(ApiTokenRow).order_by(col(ApiTokenRow.id))))


def revoke_api_token(session: Session, token_id: int) -> ApiTokenRow | None:
    """Mark the token revoked (idempotent); None when there is no such token."""
    row = session.get(ApiTokenRow, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utc_now()
        session.add(row)
    return row


def user_for_token(session: Session, token: str) -> UserRow | None:
    """The token's user when it is live, noting when it was used."""
    row = session.exec(
        select(ApiTokenRow).where(
            ApiTokenRow.token_hash == _digest(token), col(ApiTokenRow.revoked_at).is_(None)
        )
    ).first()
    if row is None:
        return None
    row.last_used_at = utc_now()
    session.add(row)
    return session.get(UserRow, row.user_id)
