"""Request and response bodies of the auth endpoints (per-purpose models, never the table rows)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.auth.passwords import MIN_PASSWORD_LENGTH


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class OwnerCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class CsrfPublic(BaseModel):
    csrf_token: str


class SetupNeeded(BaseModel):
    setup_needed: bool


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    created_at: datetime
    last_login_at: datetime | None


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="Shown this once; only its hash is stored")
