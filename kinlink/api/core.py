"""The REST API (django-ninja): token authentication, the error shape, ETag / If-Match, and
pagination. The operations live in each app's `api.py` and call the same selectors and
services as the web pages; nothing here decides who may see or do what."""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator, Field, StringConstraints

from kinlink.accounts.models import User
from kinlink.api.errors import CODES, Error, body, refusal_errors, schema_errors
from kinlink.api.services import TokenRefused, api_token_check
from kinlink.core.concurrency import StaleEdit

MAX_PAGE = 100


class ApiRequest(HttpRequest):
    """A request that passed token authentication: `auth` is the acting user."""

    auth: User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kl_…`. The token is never logged, even on a debug node."""

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get("Authorization", "")
        scheme, _sep, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRefused("token_missing")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = api_token_check(token)
        request.api_token = found  # type: ignore[attr-defined]  # read by the audit middleware
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Kinlink API",
    version="1",
    description=(
        "Cases, the people around the child, tasks, follow-up visits and cross-border "
        "requests of one Kinlink node. Every call acts as the token's user, under the same "
        "rules as the web pages, and is audited. Writes to an existing record need "
        "`If-Match` with the `ETag` read from it."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(
    request: HttpRequest, code: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, body(code, errors), status=CODES[code])


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    response = error_response(request, exc.code)
    response["WWW-Authenticate"] = 'Bearer realm="kinlink"'
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _token_refused(request, TokenRefused("token_invalid"))


@api.exception_handler(SchemaValidationError)
def _invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    return error_response(request, "invalid", schema_errors(exc.errors))


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response(request, "refused", refusal_errors(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, "forbidden")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found")


@api.exception_handler(StaleEdit)
def _stale(request: HttpRequest, exc: StaleEdit) -> HttpResponse:
    response = error_response(request, "version_conflict")
    response["ETag"] = etag(exc.current)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(request, "malformed_body")
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        exc.status_code, "invalid"
    )
    return error_response(request, code)


# --- versions ------------------------------------------------------------------------------

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,9})(?:;gzip)?"$')


def etag(obj: Any) -> str:
    """The record's version as an entity tag (ADR 0007: every edit bumps it)."""
    return f'"v{obj.version}"'


def seen_version(request: HttpRequest) -> int:
    """The version the caller read, from If-Match; 428 without one, 412 if unreadable.

    A weak tag (`W/"v3"`, as compression marks it) names the same version: the version is
    what is compared, not the bytes.
    """
    value = request.headers.get("If-Match", "").strip()
    if not value:
        raise IfMatchMissing
    match = _ETAG.match(value)
    if match is None:
        raise IfMatchUnreadable
    return int(match.group(1))


class IfMatchMissing(Exception):
    pass


class IfMatchUnreadable(Exception):
    pass


@api.exception_handler(IfMatchMissing)
def _if_match_missing(request: HttpRequest, exc: IfMatchMissing) -> HttpResponse:
    return error_response(request, "version_required")


@api.exception_handler(IfMatchUnreadable)
def _if_match_unreadable(request: HttpRequest, exc: IfMatchUnreadable) -> HttpResponse:
    return error_response(request, "version_conflict")


def with_etag(response: HttpResponse, obj: Any) -> HttpResponse:
    response["ETag"] = etag(obj)
    return response


# --- input types ---------------------------------------------------------------------------


def _printable(value: str) -> str:
    """No NUL and no lone surrogate: neither can be stored, and neither is ever meant."""
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("control characters are not allowed")
    return value


# Strings a database can store, of at most N characters (the model field's max_length).
Text2 = Annotated[
    str, StringConstraints(max_length=2, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text3 = Annotated[
    str, StringConstraints(max_length=3, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text30 = Annotated[
    str, StringConstraints(max_length=30, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text60 = Annotated[
    str, StringConstraints(max_length=60, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text64 = Annotated[
    str, StringConstraints(max_length=64, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text100 = Annotated[
    str, StringConstraints(max_length=100, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text150 = Annotated[
    str, StringConstraints(max_length=150, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text200 = Annotated[
    str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text300 = Annotated[
    str, StringConstraints(max_length=300, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text2000 = Annotated[
    str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]
Text4000 = Annotated[
    str, StringConstraints(max_length=4000, pattern=r"^[^\x00]*$"), AfterValidator(_printable)
]


Limit = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]


class Page(Schema):
    count: int
    limit: int
    offset: int


def page(queryset: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
    return queryset.count(), list(queryset[offset : offset + limit])


def responses(
    ok: int, schema: Any, *, write: bool = False, versioned: bool = False
) -> dict[int, Any]:
    """Every status an operation may answer, for the OpenAPI description."""
    answers: dict[int, Any] = {ok: schema, 401: Error, 403: Error, 404: Error, 422: Error}
    if write:
        answers.update({400: Error, 413: Error})
    if versioned:
        answers.update({412: Error, 428: Error})
    return answers


def register_routers() -> None:
    """Mount each app's operations; called once from the URL map."""
    from kinlink.cases.api import router as cases
    from kinlink.exchange.api import router as exchange
    from kinlink.plans.api import router as plans

    api.add_router("/", cases)
    api.add_router("/", plans)
    api.add_router("/", exchange)
