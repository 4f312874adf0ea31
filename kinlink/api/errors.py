"""The API's machine-readable errors: one shape for every 4xx, a stable `code`, a message in
the caller's language (Accept-Language), and for bad input the fields at fault."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja import Schema

# code → HTTP status; the codes are part of the API contract (docs/user-guide.md).
CODES = {
    "malformed_body": 400,
    "token_missing": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "account_inactive": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "version_conflict": 412,
    "payload_too_large": 413,
    "invalid": 422,
    "refused": 422,
    "version_required": 428,
}


class FieldError(Schema):
    field: str
    code: str
    message: str


class Error(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


def message_for(code: str) -> str:
    messages = {
        "malformed_body": _("The request body is not valid JSON."),
        "token_missing": _("Send an API token: Authorization: Bearer <token>."),
        "token_invalid": _("This API token is not valid."),
        "token_expired": _("This API token has expired; ask the node administrator for a new one."),
        "token_revoked": _("This API token was revoked."),
        "account_inactive": _("The account of this API token is switched off."),
        "forbidden": _("This account may not do that."),
        "not_found": _("Not found."),
        "method_not_allowed": _("This method is not allowed here."),
        "version_conflict": _(
            "Someone changed this record since you read it: read it again and re-apply your change."
        ),
        "payload_too_large": _("The request body is too large."),
        "invalid": _("Some fields are missing, unknown or of the wrong type."),
        "refused": _("The change was refused: see the errors."),
        "version_required": _("Send If-Match with the ETag of the record you read."),
    }
    return str(messages[code])


def body(code: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message_for(code), "errors": errors or []}


def schema_errors(raw: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as ours: the dotted field path, pydantic's type as the code."""
    found = []
    for error in raw:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        kind = str(error.get("type", "invalid"))
        if kind == "missing":
            message = _("This field is required.")
        elif kind == "extra_forbidden":
            message = _("Unknown field.")
        else:
            message = _("Wrong type or value.")
        # "payload" is the name of every body parameter: not a field the caller knows.
        if loc and loc[0] == "payload":
            loc = loc[1:]
        found.append({"field": ".".join(loc), "code": kind, "message": str(message)})
    return found


def refusal_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    """A service's refusal (already translated) as field errors; "" names the whole record."""
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "code": e.code or "refused", "message": str(m)}
            for field, items in error.error_dict.items()
            for e in items
            for m in e.messages
        ]
    return [
        {"field": "", "code": e.code or "refused", "message": str(m)}
        for e in error.error_list
        for m in e.messages
    ]
