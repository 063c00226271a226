"""RFC 9457 problem details: the one shape of every error this service answers."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"

logger = logging.getLogger("touchpoint.errors")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ProblemError(Exception):
    """An error the client can act on; subclasses fix slug, title and status."""

    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"
    status: ClassVar[int] = 500

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors)
        self.headers = dict(headers or {})

    @classmethod
    def type_uri(cls) -> str:
        return TYPE_PREFIX + cls.slug

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


class ValidationFailed(ProblemError):
    slug = "validation-failed"
    title = "The request is not valid"
    status = 422


class BadRequest(ProblemError):
    slug = "bad-request"
    title = "The request could not be read"
    status = 400


class Unauthenticated(ProblemError):
    slug = "unauthenticated"
    title = "A valid API key is required"
    status = 401

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="touchpoint"'})


class Forbidden(ProblemError):
    slug = "forbidden"
    title = "This key may not do that"
    status = 403


class NotFound(ProblemError):
    slug = "not-found"
    title = "Not found"
    status = 404


class MethodNotAllowed(ProblemError):
    slug = "method-not-allowed"
    title = "Method not allowed"
    status = 405


class Conflict(ProblemError):
    slug = "conflict"
    title = "Conflict"
    status = 409


class PayloadTooLarge(ProblemError):
    slug = "payload-too-large"
    title = "The request body is too large"
    status = 413


class UnsupportedMediaType(ProblemError):
    slug = "unsupported-media-type"
    title = "The request body must be JSON"
    status = 415


class TooManyRequests(ProblemError):
    slug = "rate-limited"
    title = "Too many requests"
    status = 429


class ServiceUnavailable(ProblemError):
    slug = "service-unavailable"
    title = "The service cannot answer right now"
    status = 503


_BY_STATUS: dict[int, type[ProblemError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def problem_response(problem: ProblemError) -> Response:
    return Response(
        content=orjson.dumps(problem.body()),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=problem.headers,
    )


def field_errors(
    errors: Iterable[Mapping[str, Any]], *, drop: tuple[str, ...] = ()
) -> list[FieldError]:
    """Pydantic errors as ``field``/``message`` pairs, without request-location prefixes."""
    result = []
    for error in errors:
        path = [str(part) for part in error.get("loc", ()) if part not in drop]
        result.append(FieldError(".".join(path) or "body", _message(error)))
    return result


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)"
    if kind == "missing":
        return "this field is required"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def validation_problem(error: ValidationError | RequestValidationError) -> ValidationFailed:
    errors = field_errors(error.errors(), drop=("body", "query", "path", "header"))
    return ValidationFailed("See `errors` for what to fix.", errors=errors)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc))

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        problem_class = _BY_STATUS.get(exc.status_code, ProblemError)
        detail = exc.detail if isinstance(exc.detail, str) else None
        problem = problem_class(detail if detail and detail != problem_class.title else None)
        problem.headers.update(exc.headers or {})
        if problem_class is ProblemError:
            return _generic(exc.status_code, detail or "Error")
        return problem_response(problem)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(ProblemError("An unexpected error happened; it has been logged."))

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def _generic(status: int, title: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": title}
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_CONTENT_TYPE)


class ProblemFieldSchema(BaseModel):
    field: str = Field(examples=["score"])
    message: str = Field(examples=["nps scores are integers 0–10"])


class ProblemSchema(BaseModel):
    """RFC 9457 problem details, the body of every 4xx and 5xx."""

    type: str = Field(examples=["/problems/validation-failed"])
    title: str
    status: int
    detail: str
    errors: list[ProblemFieldSchema] | None = None


def add_problem_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every documented error answers problem+json, FastAPI's own 422 included."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    definition = ProblemSchema.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(definition.pop("$defs", {}))
    schemas["Problem"] = definition
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] in "45":
                    response["content"] = problem
                    if response.get("description") == "Validation Error":
                        response["description"] = ValidationFailed.title
    return openapi


def problem_responses(*problems: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route, so openapi.yaml lists the problems it can answer."""
    return {
        problem.status: {
            "description": problem.title,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for problem in problems
    }
