"""Sessions end after 30 minutes idle and after 12 hours in all, whatever the activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from kinlink.accounts.models import User

START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client: Any, clock: Any, caseworker_a: User) -> Any:
    client.force_login(caseworker_a)
    assert client.get(reverse("cases:list")).status_code == 200
    return client


def ended(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_session_idle_for_31_minutes_ends_and_the_sign_in_page_says_why(
    signed_in: Any, clock: Any
) -> None:
    clock.shift(timedelta(minutes=31))
    response = signed_in.get(reverse("cases:list"))
    assert ended(response)
    assert response["Location"] == "/accounts/login/?next=/cases/"
    assert SESSION_KEY not in signed_in.session
    login_page = signed_in.get(response["Location"])
    assert "Your session ended" in login_page.content.decode()
    from kinlink.audit.models import AuditAction, AuditEvent

    logout = AuditEvent.objects.filter(action=AuditAction.LOGOUT).latest("sequence")
    assert logout.context["session_ended"] == "idle"


def test_a_session_idle_for_29_minutes_goes_on(signed_in: Any, clock: Any) -> None:
    clock.shift(timedelta(minutes=29))
    assert signed_in.get(reverse("cases:list")).status_code == 200


def test_activity_every_20_minutes_keeps_a_session_alive_until_12_hours_then_it_ends(
    signed_in: Any, clock: Any
) -> None:
    for step in range(1, 37):  # 20 minutes × 36 = 12 hours exactly
        clock.shift(timedelta(minutes=20))
        response = signed_in.get(reverse("accounts:notifications"))
        assert response.status_code == 200, f"ended after {step * 20} minutes"
    clock.shift(timedelta(minutes=20))
    assert ended(signed_in.get(reverse("accounts:notifications")))
    from kinlink.audit.models import AuditAction, AuditEvent

    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).latest("sequence")
    assert event.context["session_ended"] == "absolute"
