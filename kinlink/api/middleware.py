"""Around every API call: refuse an oversize body before anything reads it, and write one
audit event per call (who, which operation, the answer), whatever the operation did."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kinlink.api.errors import body
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record

API_PREFIX = "/api/v1/"
UNAUDITED = ("/api/v1/openapi.json", "/api/v1/docs")


class ApiCallMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.KINLINK_API_MAX_BODY:
            response = HttpResponse(
                json.dumps(body("payload_too_large")),
                status=413,
                content_type="application/json",
            )
        else:
            response = self.get_response(request)
        if not request.path.startswith(UNAUDITED):
            self._audit(request, response)
        return response

    def _audit(self, request: HttpRequest, response: HttpResponse) -> None:
        token = getattr(request, "api_token", None)
        match = request.resolver_match
        record(
            actor=token.user if token is not None else None,
            actor_label="" if token is not None else str(_("API caller without a valid token")),
            action=AuditAction.API_CALL,
            method=request.method,
            # The route, not the path: ids are in `object`, nothing else from the URL is kept.
            operation=match.url_name if match else "",
            route=match.route if match else "",
            path_ids={k: str(v) for k, v in (match.kwargs if match else {}).items()},
            status=response.status_code,
            token=token.prefix if token is not None else "",
        )
