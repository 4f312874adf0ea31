"""The node administrator issues and revokes API tokens on the integration pages."""

from __future__ import annotations

from typing import Any

import pytest

from kinlink.api.models import ApiToken
from kinlink.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_the_administrator_issues_a_token_shown_once_then_revokes_it(
    client: Any, node_admin: Any, caseworker_a: Any
) -> None:
    client.force_login(node_admin)
    response = client.post(
        "/integration/tokens/new/", {"user": caseworker_a.pk, "name": "OpenFn", "days": 30}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["issued"].secret
    assert secret.encode() in response.content
    listing = client.get("/integration/tokens/")
    assert secret.encode() not in listing.content and token.prefix.encode() in listing.content
    client.post(f"/integration/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    events = AuditEvent.objects.filter(object_id=str(token.pk)).values_list("action", flat=True)
    assert sorted(events) == sorted([AuditAction.CREATE, AuditAction.UPDATE])
    answer = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.json()["code"] == "token_revoked"


def test_a_signed_in_browser_session_does_not_open_the_api(client: Any, caseworker_a: Any) -> None:
    client.force_login(caseworker_a)
    assert client.get("/api/v1/cases").status_code == 401
