"""Schemathesis over the desk's OpenAPI, in-process and authenticated: generated requests,
valid and invalid, may be refused (4xx) but never break the server (5xx).

One test per operation, a few examples each (valid and schema-violating), against one app for
the module (state piles up from operation to operation, as it would in use), so the whole run
stays well under a minute. The auth and token endpoints have their own suite.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.auth import create_api_token, create_owner
from store.db import session_scope
from tests.desk_helpers import Clock, api_endpoints, clocked_app, queue_idea, relax_filters

EXAMPLES_PER_MODE = 10
ENDPOINTS = api_endpoints()


@pytest.fixture(scope="module")
def desk_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[schemathesis.BaseSchema, dict[str, str]]]:
    """The OpenAPI schema of a desk with one queued idea, and the headers of its owner."""
    app = clocked_app(tmp_path_factory.mktemp("schemathesis"), Clock())
    desk = app.state.desk
    relax_filters(desk)
    queue_idea(desk)  # idea 1, so lookups by small ids find something
    with session_scope(desk.engine) as session:
        _, token = create_api_token(
            session, create_owner(session, "owner", "a long passphrase"), "st"
        )
    yield schemathesis.openapi.from_asgi("/openapi.json", app), {"Authorization": f"Bearer {token}"}
    desk.engine.dispose()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_generated_requests_when_authenticated_then_no_server_error(
    desk_api: tuple[schemathesis.BaseSchema, dict[str, str]], method: str, path: str
) -> None:
    schema, headers = desk_api
    operation = schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=2 * EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    call()
