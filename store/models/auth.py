"""The owner account and the API tokens that act for it.

There is exactly one owner: a check on `users.id` makes the database refuse a second row even
when two setups race. Tokens are stored as their SHA-256 only; the token itself is shown once.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utc_now

OWNER_ID = 1


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"id = {OWNER_ID}", name="ck_users_single_owner"),)

    id: int = Field(default=OWNER_ID, primary_key=True, sa_column_kwargs={"autoincrement": False})
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenRow(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, description="sha256 hex of the token")
    prefix: str = Field(max_length=8, description="The token's first characters, for display")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
