"""openapi.yaml is the contract clients build against: it must be exactly what the app serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app import openapi_spec
from app.main import create_app

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    document: dict[str, Any] = create_app().openapi()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_openapi_yaml_is_what_the_app_serves(repo_root: Path, served: dict[str, Any]) -> None:
    committed_file = repo_root / "openapi.yaml"
    assert committed_file.exists(), (
        f"{committed_file} is missing: run `{openapi_spec.REGENERATE}` and commit it"
    )
    committed = yaml.safe_load(committed_file.read_text(encoding="utf-8"))

    assert committed == served, (
        f"openapi.yaml differs from the app's OpenAPI document: run "
        f"`{openapi_spec.REGENERATE}` and commit openapi.yaml with the change"
    )


def test_openapi_yaml_is_byte_for_byte_what_the_generator_writes(repo_root: Path) -> None:
    text = (repo_root / "openapi.yaml").read_text(encoding="utf-8")

    assert text == openapi_spec.render(openapi_spec.spec()), (
        f"openapi.yaml was edited by hand or by another generator: run `{openapi_spec.REGENERATE}`"
    )


def test_the_generator_writes_and_checks_a_file(tmp_path: Path) -> None:
    target = tmp_path / "openapi.yaml"

    assert openapi_spec.main([str(target), "--check"]) == 1
    assert openapi_spec.main([str(target)]) == 0
    assert openapi_spec.main([str(target), "--check"]) == 0
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == openapi_spec.spec()


# A page for people (the kiosk's, read by staff on the tablet) answers its errors as a page.
HTML = {"text/html": {"schema": {"type": "string"}}}


def is_page(operation: dict[str, Any]) -> bool:
    return bool(operation["responses"].get("200", {}).get("content") == HTML)


def test_every_error_response_is_documented_as_problem_json(served: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}"
        for method, path, operation in operations(served)
        for status, response in operation["responses"].items()
        if str(status)[0] in "45"
        and response.get("content") != (HTML if is_page(operation) else PROBLEM)
    ]

    assert not wrong, f"not documented as application/problem+json: {wrong}"
    assert "HTTPValidationError" not in served["components"]["schemas"]


def test_the_problem_schema_is_the_rfc_9457_shape(served: dict[str, Any]) -> None:
    problem = served["components"]["schemas"]["Problem"]

    assert set(problem["properties"]) == {"type", "title", "status", "detail", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


# `security: [{}]` says an operation takes no key on purpose (customer-facing reads).
NO_KEY: list[dict[str, Any]] = [{}]


def test_every_operation_behind_a_key_documents_401_and_403(served: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(served)
        if operation.get("security") not in (None, NO_KEY)
        and not {"401", "403"} <= set(operation["responses"])
    ]

    assert not missing, f"operations that take a key but do not document 401/403: {missing}"
    assert all(op.get("security") for _, path, op in operations(served) if path.startswith("/v1/"))


def test_every_operation_with_input_documents_422(served: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(served)
        if (operation.get("requestBody") or operation.get("parameters"))
        and ("400" if is_page(operation) else "422") not in operation["responses"]
    ]

    assert not missing, f"operations that validate input but do not document 422: {missing}"


def test_every_operation_has_a_summary_and_a_unique_id(served: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(served)]

    assert len(ids) == len(set(ids))
    assert all(operation.get("summary") for _, _, operation in operations(served))


def test_every_operation_with_a_json_body_documents_413_and_415(served: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(served)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        and not {"413", "415", "422"} <= set(operation["responses"])
    ]

    assert not missing, f"operations that read JSON but do not document 413/415/422: {missing}"


def test_every_operation_behind_a_key_documents_429(served: dict[str, Any]) -> None:
    # Publishable keys are rate-limited as they authenticate, whatever the route.
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(served)
        if operation.get("security") not in (None, NO_KEY) and "429" not in operation["responses"]
    ]

    assert not missing, f"operations that take a key but do not document 429: {missing}"


def test_every_operation_behind_a_key_documents_the_outage_503(served: dict[str, Any]) -> None:
    # Reading a key may read the database, so any of them can meet an outage
    # (tests/test_database_outage.py shows what each answers).
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(served)
        if operation.get("security") not in (None, NO_KEY) and "503" not in operation["responses"]
    ]

    assert not missing, f"operations that take a key but do not document 503: {missing}"
