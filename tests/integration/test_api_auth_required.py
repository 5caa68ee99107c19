"""Every REST endpoint of the desk answers 401 in the error format without a user, whatever
the request; and a bad Bearer token is no better than none."""

import re

import pytest
from fastapi.testclient import TestClient

from api.routers.v1 import PREFIX
from tests.desk_helpers import api_endpoints, api_error

ENDPOINTS = api_endpoints()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_endpoints_when_counted_then_every_group_is_covered() -> None:
    groups = {path.removeprefix(PREFIX).split("/")[1] for _, path in ENDPOINTS}
    assert groups >= {
        "analyze",
        "simulate",
        "ideas",
        "decisions",
        "rules",
        "strategies",
        "risk-config",
        "mode",
        "kill-switch",
        "account",
        "positions",
        "orders",
        "market",
        "calendar",
        "news",
        "indicators",
        "agents",
        "performance",
        "brokers",
    }


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_request_when_anonymous_then_401_unauthorized(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, _concrete(path), json={})
    api_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_request_when_bearer_token_unknown_then_401_unauthorized(
    client: TestClient, method: str, path: str
) -> None:
    headers = {"Authorization": "Bearer not-a-real-token"}
    response = client.request(method, _concrete(path), json={}, headers=headers)
    api_error(response, 401, "UNAUTHORIZED")
