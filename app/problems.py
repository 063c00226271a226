"""RFC 9457 problem details: the one shape of every error this service answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import fastapi.routing
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Match

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"


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


# A model-level check names the field it is about as ``"field: message"``.
_NAMED_FIELD = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_.]*): (?P<message>.+)$", re.DOTALL)


def field_errors(
    errors: Iterable[Mapping[str, Any]], *, drop: tuple[str, ...] = ()
) -> list[FieldError]:
    """Pydantic errors as ``field``/``message`` pairs, without request-location prefixes."""
    result = []
    for error in errors:
        message = _message(error)
        if error.get("type") == "json_invalid":
            result.append(FieldError("body", message))  # its loc ends in a character offset
            continue
        path = [str(part) for part in error.get("loc", ()) if part not in drop]
        named = _NAMED_FIELD.match(message)
        if named and not path:
            path, message = [named["field"]], named["message"]
        result.append(FieldError(".".join(path) or "body", message))
    return result


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)"
    if kind == "missing":
        return "this field is required"
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error")
        return f"the body is not valid JSON: {reason}" if reason else "the body is not valid JSON"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def validation_problem(error: ValidationError | RequestValidationError) -> ValidationFailed:
    unreadable = next((e for e in error.errors() if e.get("type") == "json_invalid"), None)
    if unreadable is not None:
        return unreadable_body(_message(unreadable) + _where(unreadable, error))
    errors = field_errors(error.errors(), drop=("body", "query", "path", "header"))
    return ValidationFailed("See `errors` for what to fix.", errors=errors)


def body_problem(body: bytes, error: ValidationError) -> ValidationFailed:
    """:func:`validation_problem` of a body validated raw: one that is not UTF-8 says so."""
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as undecodable:
            return not_utf8(undecodable)
    return validation_problem(error)


def not_utf8(error: UnicodeDecodeError) -> ValidationFailed:
    """JSON bodies are UTF-8 (RFC 8259 §8.1); the first byte that is not, by its offset."""
    byte = error.object[error.start]
    return unreadable_body(
        f"the body is not UTF-8, as JSON must be: byte {byte:#04x} at offset {error.start} "
        f"({error.reason})"
    )


# The batch's parser (pydantic's) says "recursion limit exceeded at line 1 column 202".
TOO_DEEP = "the body is not valid JSON: arrays and objects nested deeper than it can read"


def unreadable_body(message: str) -> ValidationFailed:
    """A body that is not JSON: 422 like any invalid body, the cause in ``detail`` too."""
    detail = message[0].upper() + message[1:] + "."
    return ValidationFailed(detail, errors=[FieldError("body", message)])


def _where(error: Mapping[str, Any], raised: ValidationError | RequestValidationError) -> str:
    """FastAPI gives the stdlib parser's character offset; pydantic's message has the line."""
    loc = error.get("loc", ())
    document = getattr(raised, "body", None)
    if len(loc) == 2 and isinstance(loc[1], int) and isinstance(document, str):
        position = json.JSONDecodeError("", document, loc[1])
        return f" at line {position.lineno} column {position.colno}"
    return ""


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _unreadable_body(request, exc):
            return problem_response(
                UnsupportedMediaType("Send the body as JSON with `Content-Type: application/json`.")
            )
        return problem_response(validation_problem(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc.__cause__, ClientDisconnect):
            # FastAPI turns a hang-up while it reads the body into a 400: nobody is left to
            # answer, so it goes on as the disconnect it is (app/operations says so once).
            raise exc.__cause__
        if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's 400 for such a body
            return problem_response(not_utf8(exc.__cause__))
        if isinstance(exc.__cause__, RecursionError):  # the stdlib parser's depth limit
            return problem_response(unreadable_body(TOO_DEEP))
        problem_class = _BY_STATUS.get(exc.status_code, ProblemError)
        detail = exc.detail if isinstance(exc.detail, str) else None
        if detail == _phrase(exc.status_code):  # Starlette's default: say more
            detail = _DEFAULT_DETAILS.get(exc.status_code, "").format(method=request.method)
        problem = problem_class(detail if detail and detail != problem_class.title else None)
        problem.headers.update(exc.headers or {})
        allowed = _allowed_methods(request) if exc.status_code == 405 else set()
        if allowed:
            problem.headers["Allow"] = ", ".join(sorted(allowed))
        if problem_class is ProblemError:
            return _generic(exc.status_code, detail or "Error")
        return problem_response(problem)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


_DEFAULT_DETAILS = {
    404: "Nothing is served at this path; see /openapi.json for the routes.",
    405: "This path does not answer {method}; the Allow header lists what it does answer.",
}


def _phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def _allowed_methods(request: Request) -> set[str]:
    """Every method some route answers at this path (Starlette's Allow names one route's)."""
    # FastAPI ≥ 0.16x keeps an included router as one route; this lists the routes inside.
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = iterate(request.app.routes) if iterate else request.app.routes
    allowed: set[str] = set()
    for route in routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed.update(getattr(route, "methods", None) or ())
    return allowed


_JSON_SUBTYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")


def require_json(request: Request) -> None:
    """For routes that read their body raw: the same 415 FastAPI-parsed routes give."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and not _JSON_SUBTYPE.match(media_type):
        raise UnsupportedMediaType("Send the body as JSON with `Content-Type: application/json`.")


def _unreadable_body(request: Request, error: RequestValidationError) -> bool:
    """A JSON route got a body that is not JSON (FastAPI then validates the raw bytes)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not media_type or _JSON_SUBTYPE.match(media_type):
        return False
    return any(
        tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes)
        for e in error.errors()
    )


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
                # A page for people (the kiosk's) keeps its HTML; JSON errors are problems.
                if str(status)[0] in "45" and "text/html" not in response.get("content", {}):
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
