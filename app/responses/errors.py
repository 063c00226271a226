from __future__ import annotations

from app.problems import Conflict, Forbidden, NotFound, ValidationFailed


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"
    title = "This idempotency key was used with a different payload"


class ResponseNotFound(NotFound):
    slug = "response-not-found"
    title = "No such response"


class InvalidCursor(ValidationFailed):
    slug = "invalid-cursor"
    title = "The cursor is not valid for this query"


class FollowupTokenRejected(Forbidden):
    slug = "followup-token-rejected"
    title = "The follow-up token is not valid for this response"
