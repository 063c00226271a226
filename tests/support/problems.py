"""The problem+json contract, written out: what clients match on must not drift.

Titles are literals here on purpose (not read from app.problems), so that renaming one
in the app is a visible contract change that fails a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import Any

import httpx

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request could not be read"),
    "unauthenticated": (401, "A valid API key is required"),
    "forbidden": (403, "This key may not do that"),
    "followup-token-rejected": (403, "The follow-up token is not valid for this response"),
    "not-found": (404, "Not found"),
    "key-not-found": (404, "No such API key"),
    "response-not-found": (404, "No such response"),
    "survey-not-found": (404, "No wording is stored for this survey"),
    "method-not-allowed": (405, "Method not allowed"),
    "idempotency-key-reused": (409, "This idempotency key was used with a different payload"),
    "payload-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "validation-failed": (422, "The request is not valid"),
    "invalid-cursor": (422, "The cursor is not valid for this query"),
    "internal-error": (500, "Internal server error"),
    "service-unavailable": (503, "The service cannot answer right now"),
}
WWW_AUTHENTICATE = 'Bearer realm="touchpoint"'


def assert_problem(
    response: httpx.Response,
    slug: str,
    *,
    detail: str | None = None,
    fields: Sequence[str] | EllipsisType | None = None,
    naming: str | None = None,
) -> dict[str, Any]:
    """The response is the problem ``slug`` in full; ``detail`` is a substring to find.

    ``fields``: exactly these are named in ``errors``, in order; ``...``: some are; None:
    the problem has no ``errors``. ``naming``: one field that ``errors`` names, among others.
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
    if status == 401:
        assert response.headers["www-authenticate"] == WWW_AUTHENTICATE
    if fields is None and naming is None:
        assert "errors" not in body, body
        return body
    assert body["errors"], body
    named = [error["field"] for error in body["errors"]]
    if isinstance(fields, Sequence):
        assert named == list(fields), body
    if naming is not None:
        assert naming in named, body
    for error in body["errors"]:
        assert set(error) == {"field", "message"}, body
        assert isinstance(error["message"], str), body
        assert error["message"], body
    return body
