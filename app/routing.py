"""Query strings are checked like bodies: an unknown or repeated parameter is a 422.

Every router is built with ``route_class=StrictQueryRoute``. The route learns, once when
it is built, which query parameters its endpoint and its dependencies declare (the same
list openapi.yaml shows) and which of them take several values. A request whose query
string names anything else, or repeats a single-valued parameter, is refused before any
dependency runs, like a 404 or 405: it is the shape of the request that is wrong, so the
answer is the same with or without a key. A request without a query string (the ingest
hot path) costs one dictionary lookup.

Pages opened from places that append parameters of their own (``utm_*`` added to email
links by mail systems, a cache-busting ``?v=`` on a script tag) are marked with
:func:`tolerates_unknown_query`: they ignore names they do not declare.

The same route class reads JSON bodies as UTF-8 only (RFC 8259 §8.1), like the batch route's
parser: the standard library would guess UTF-16 or UTF-32 from the first bytes. And it lists
in openapi.yaml the problems that come from these shared rules rather than from the route's
own: 422 where the query string is checked, 413/415/422 where a JSON body is read, 401/403/429
where a key is read (publishable keys are rate-limited as they authenticate), and 503 wherever a
key or the database is read, since an outage can meet any of them.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_validation_alias
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from app.db import Database
from app.problems import (
    FieldError,
    Forbidden,
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
)

_TOLERANT = "__touchpoint_tolerates_unknown_query__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def tolerates_unknown_query(endpoint: Endpoint) -> Endpoint:
    """Ignore query parameters this endpoint does not declare (apply under the route decorator)."""
    setattr(endpoint, _TOLERANT, True)
    return endpoint


@dataclass(frozen=True)
class QueryRules:
    """The query parameters one route takes: ``single`` once at most, ``many`` repeatable."""

    single: frozenset[str]
    many: frozenset[str]
    refuse_unknown: bool = True

    @classmethod
    def of(cls, dependant: Dependant, *, refuse_unknown: bool = True) -> QueryRules:
        single: set[str] = set()
        many: set[str] = set()
        for field in _query_fields(dependant):
            is_list = field_annotation_is_sequence(field.field_info.annotation)
            (many if is_list else single).add(get_validation_alias(field))
        return cls(frozenset(single), frozenset(many), refuse_unknown)

    def problems(self, params: QueryParams) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in params:  # each distinct name once, in the order first given
            if name in self.single:
                if len(params.getlist(name)) > 1:
                    errors.append(FieldError(name, "given more than once; it takes one value"))
            elif name not in self.many and self.refuse_unknown:
                errors.append(FieldError(name, self._unknown()))
        return errors

    def _unknown(self) -> str:
        names = ", ".join(sorted(self.single | self.many))
        takes = f"this endpoint takes {names}" if names else "this endpoint takes none"
        return f"unknown query parameter (check its spelling); {takes}"


def _takes_a_key(dependant: Dependant) -> bool:
    return isinstance(dependant.call, SecurityBase) or any(
        _takes_a_key(sub) for sub in dependant.dependencies
    )


def _reads_the_database(dependant: Dependant) -> bool:
    if dependant.call is not None and _returns_database(dependant.call):
        return True
    return any(_reads_the_database(sub) for sub in dependant.dependencies)


def _returns_database(call: Callable[..., Any]) -> bool:
    try:
        return typing.get_type_hints(call).get("return") is Database
    except (NameError, TypeError):  # a class or a callable whose hints cannot be resolved
        return False


def _query_fields(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


class _Utf8JsonRequest(Request):
    async def json(self) -> Any:
        # A body that is not UTF-8 raises UnicodeDecodeError: app/problems.py answers it.
        return json.loads((await self.body()).decode("utf-8"))


class StrictQueryRoute(APIRoute):
    """An APIRoute that refuses unknown and repeated single-valued query parameters."""

    query_rules: QueryRules

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        shared: list[type[ProblemError]] = []
        if not getattr(self.endpoint, _TOLERANT, False):
            shared.append(ValidationFailed)
        if self.body_field is not None:
            shared += [PayloadTooLarge, UnsupportedMediaType, ValidationFailed]
        if _takes_a_key(self.dependant):
            shared += [Unauthenticated, Forbidden, TooManyRequests]
        if _takes_a_key(self.dependant) or _reads_the_database(self.dependant):
            shared.append(ServiceUnavailable)
        # A new dict, in status order: routers share one `responses=` between several routes.
        merged = {**problem_responses(*shared), **self.responses}
        self.responses = dict(sorted(merged.items(), key=lambda item: str(item[0])))

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        rules = QueryRules.of(
            self.dependant, refuse_unknown=not getattr(self.endpoint, _TOLERANT, False)
        )
        self.query_rules = rules
        reads_json = self.body_field is not None

        async def checked(request: Request) -> Response:
            if request.scope["query_string"]:
                errors = rules.problems(request.query_params)
                if errors:
                    raise ValidationFailed("See `errors` for what to fix.", errors=errors)
            if reads_json:
                request = _Utf8JsonRequest(request.scope, request.receive)
            return await handler(request)

        return checked
