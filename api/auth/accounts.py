"""The one owner account: create it once, check a username and password against it."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.auth.passwords import check_password_strength, hash_password, verify_password
from store.models import UserRow
from store.types import utc_now

# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DECOY_HASH = hash_password("decoy password, never a real one")


class OwnerExists(Exception):
    """The desk already has its owner; there is exactly one account."""

    def __init__(self) -> None:
        super().__init__("the owner account already exists; there is exactly one")


def owner_exists(session: Session) -> bool:
    return session.exec(select(UserRow.id)).first() is not None


def create_owner(session: Session, username: str, password: str) -> UserRow:
    """Create the owner. Raises ValueError for a blank name or short password, OwnerExists after.

    The owner's fixed id (checked by the database) makes a second account fail even when two
    setups race past the `owner_exists` check."""
    username = username.strip()
    if not username:
        raise ValueError("username must not be blank")
    check_password_strength(password)
    if owner_exists(session):
        raise OwnerExists()
    user = UserRow(username=username, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise OwnerExists() from None
    return user


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The user when the password matches (recording the login time), else None."""
    user = session.exec(select(UserRow).where(UserRow.username == username.strip())).first()
    if user is None:
        verify_password(password, _DECOY_HASH)
        return None
    if not verify_password(password, user.password_hash):
        return None
    user.last_login_at = utc_now()
    session.add(user)
    return user
