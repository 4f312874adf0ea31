"""Administrators' edits: audited, versioned, stale edits refused; caseworkers read only; a
status without a source is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kinlink.audit.models import AuditEvent
from kinlink.core.concurrency import StaleEdit
from kinlink.directory import services
from kinlink.directory.models import TreatyStatus

pytestmark = pytest.mark.django_db

SOURCE = {
    "source_title": "HCCH status table",
    "source_url": "https://www.hcch.net/en/instruments/conventions/status-table/?cid=70",
    "checked_on": date(2026, 12, 1),
}


@pytest.fixture
def morocco(db: Any) -> Any:
    return services.country_create(actor=None, code="MA")


@pytest.fixture
def status(morocco: Any) -> TreatyStatus:
    return services.treaty_status_create(
        actor=None,
        country=morocco,
        instrument="hc1996",
        kind="ratification",
        in_force_on=date(2002, 12, 1),
        **SOURCE,
    )


def test_an_administrators_edit_is_versioned_and_audited(status: Any, node_admin: Any) -> None:
    services.treaty_status_update(
        actor=node_admin,
        status=status,
        seen_version=1,
        verified=True,
        consented_on=date(2002, 8, 22),
    )
    status.refresh_from_db()
    assert status.version == 2 and status.verified
    event = AuditEvent.objects.filter(object_id=str(status.pk), action="update").get()
    assert event.actor == node_admin
    assert event.changes["verified"] == [False, True]
    assert event.changes["version"] == [1, 2]


def test_a_stale_edit_is_refused_and_changes_nothing(status: Any, node_admin: Any) -> None:
    services.treaty_status_update(actor=node_admin, status=status, seen_version=1, verified=True)
    stale = TreatyStatus.objects.get(pk=status.pk)
    with pytest.raises(StaleEdit):
        services.treaty_status_update(
            actor=node_admin, status=stale, seen_version=1, note="Checked again"
        )
    assert TreatyStatus.objects.get(pk=status.pk).note == ""


@pytest.mark.parametrize("persona", ["caseworker_a", "supervisor_a", "analyst", "guardian"])
def test_staff_other_than_the_administrator_read_only(
    persona: str, status: Any, request: Any
) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.treaty_status_update(actor=user, status=status, seen_version=1, verified=True)
    with pytest.raises(PermissionDenied):
        services.legal_note_create(
            actor=user, country=status.country, topic="return", title="T", body="B", **SOURCE
        )


def test_an_edit_that_would_leave_a_status_without_a_source_is_refused(
    status: Any, node_admin: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.treaty_status_update(
            actor=node_admin, status=status, seen_version=1, source_url=""
        )
    assert "source_url" in error.value.message_dict
    assert TreatyStatus.objects.get(pk=status.pk).source_url == SOURCE["source_url"]


def test_the_refusal_is_shown_beside_the_field_in_the_users_language(
    status: Any, node_admin: Any, client: Any
) -> None:
    node_admin.language = "fr"
    node_admin.save()
    client.force_login(node_admin)
    post = {
        "version": 1,
        "kind": "ratification",
        "in_force_on": "2002-12-01",
        "source_title": "",
        "source_url": SOURCE["source_url"],
        "checked_on": "2026-12-01",
    }
    response = client.post(reverse("directory:status_edit", args=[status.pk]), post)
    assert response.status_code == 400
    with translation.override("fr"):
        expected = translation.gettext("Name the source: a fact without a source is not kept.")
    assert expected != "Name the source: a fact without a source is not kept."
    assert escape(expected) in response.content.decode()
    assert TreatyStatus.objects.get(pk=status.pk).source_title == SOURCE["source_title"]


def test_a_caseworker_posting_an_edit_gets_404(status: Any, caseworker_a: Any, client: Any) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("directory:status_edit", args=[status.pk]), {"version": 1, "kind": "signature"}
    )
    assert response.status_code == 404
    assert TreatyStatus.objects.get(pk=status.pk).kind == "ratification"


def test_a_signature_has_no_entry_into_force(morocco: Any, node_admin: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.treaty_status_create(
            actor=node_admin,
            country=morocco,
            instrument="hc1980",
            kind="signature",
            in_force_on=date(2010, 1, 1),
            **SOURCE,
        )
    assert "in_force_on" in error.value.message_dict


def test_a_legal_note_keeps_its_history(
    morocco: Any, node_admin: Any, caseworker_a: Any, client: Any
) -> None:
    note = services.legal_note_create(
        actor=node_admin,
        country=morocco,
        topic="kafala",
        title="Kafala",
        body="First text",
        **SOURCE,
    )
    services.legal_note_update(actor=node_admin, note=note, seen_version=1, body="Second text")
    client.force_login(caseworker_a)
    page = client.get(reverse("directory:note", args=[note.pk])).content.decode()
    assert "Second text" in page
    assert "First text → Second text" in page
    assert reverse("directory:note_edit", args=[note.pk]) not in page


def test_a_node_address_needs_its_key_fingerprint(node_admin: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.agency_create(
            actor=node_admin,
            name="Peer",
            code="peer",
            country="ES",
            kind="network_member",
            node_address="https://kinlink.example.org",
        )
    assert "node_key_fingerprint" in error.value.message_dict
    agency = services.agency_create(
        actor=node_admin,
        name="Peer",
        code="peer",
        country="ES",
        kind="network_member",
        node_address="https://kinlink.example.org",
        node_key_fingerprint="NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
    )
    assert agency.runs_kinlink_node


def test_a_stale_form_is_refused_on_the_page_and_shows_the_record_as_it_is(
    status: Any, node_admin: Any, client: Any
) -> None:
    services.treaty_status_update(actor=node_admin, status=status, seen_version=1, verified=True)
    client.force_login(node_admin)
    post = {
        "version": 1,
        "kind": "ratification",
        "in_force_on": "2002-12-01",
        "source_title": SOURCE["source_title"],
        "source_url": SOURCE["source_url"],
        "checked_on": "2026-12-01",
        "note": "Saved from an old form",
    }
    url = reverse("directory:status_edit", args=[status.pk])
    response = client.post(url, post, follow=True)
    assert "Someone changed this record meanwhile" in response.content.decode()
    status.refresh_from_db()
    assert status.note == "" and status.verified and status.version == 2
