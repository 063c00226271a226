"""The problem+json contract, written out: what clients match on must not drift.

Titles are literals here on purpose (not read from app.problems), so that renaming one
in the app is a visible contract change that fails a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request could not be read"),
    "unauthenticated": (401, "A valid API key is required"),
    "forbidden": (403, "This key may not do that"),
    "not-found": (404, "Not found"),
    "key-not-found": (404, "No such API key"),
    "survey-not-found": (404, "No wording is stored for this survey"),
    "method-not-allowed": (405, "Method not allowed"),
    "idempotency-key-reused": (409, "This idempotency key was used with a different payload"),
    "payload-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "validation-failed": (422, "The request is not valid"),
    "internal-error": (500, "Internal server error"),
    "service-unavailable": (503, "The service cannot answer right now"),
}
WWW_AUTHENTICATE = 'Bearer realm="touchpoint"'


def assert_problem(
    response: httpx.Response,
    slug: str,
    *,
    detail: str | None = None,
    fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The response is the problem ``slug`` in full; ``detail`` is a substring to find.

    ``fields``: the exact ``errors[].field`` list, in order (None: not checked).
    """
    status, title = TITLES[slug]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE, response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}", body
    assert body["title"] == title, body
    assert body["status"] == status, body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    assert set(body) <= {"type", "title", "status", "detail", "errors"}, body
    if detail is not None:
        assert detail in body["detail"], body
    if fields is not None:
        assert [error["field"] for error in body.get("errors", [])] == list(fields), body
        assert all(error["message"] for error in body.get("errors", [])), body
    if status == 401:
        assert response.headers["www-authenticate"] == WWW_AUTHENTICATE
    return body
