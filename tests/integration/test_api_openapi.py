"""The REST API documents itself: Swagger UI at /docs, the OpenAPI at /openapi.json, with the
error format on every desk endpoint."""

from fastapi.testclient import TestClient

from tests.desk_helpers import api_endpoints


def test_docs_when_opened_anonymously_then_swagger_ui(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()


def test_openapi_when_read_then_every_endpoint_documents_the_error_format(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for method, path in api_endpoints():
        operation = spec["paths"][path][method.lower()]
        for status in ("401", "422"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == error_ref, (method, path, status)
