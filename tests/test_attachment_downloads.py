"""Documents are never served without authorisation: the only files the node stores are the
documents of cross-border threads (`exchange.Attachment`, encrypted at rest). Whoever does not
see the request gets 404 (sign-in first when signed out), a guessed id is 404 to everyone, and
the one who sees it gets the file as a download no browser renders or keeps.

Generated downloads (exports, printed documents, the directory file) carry the same headers.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import uuid4

import pytest
from django.urls import reverse

from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.exchange import requests as exchange
from kinlink.exchange import thread
from kinlink.exchange.models import Attachment, Direction, MessageKind, Peer
from tests import sweeps
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import ANONYMOUS, LOGIN, outcome

world = matrix.world  # the matrix's fixture: one of every record, on case A

PDF = b"%PDF-1.4 a birth certificate"


@pytest.fixture
def sweep_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    world = sweeps.extend_world(world, register_case)
    # A document in the thread of case B's request, which only case B's people see.
    request_b = exchange.request_draft(
        actor=world["caseworker_b"],
        case=world["case_b"],
        request_type="tracing",
        peer=Peer.objects.get(),
        questions="Please trace his father.",
    )
    message = thread.thread_entry(
        request_b, kind=MessageKind.MESSAGE, direction=Direction.INCOMING, text="Here it is"
    )
    item = {"name": "id.pdf", "content_type": "application/pdf", "content": PDF}
    world["attachment_b"] = thread.attach(message, item)
    return world


def directives(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def download(world: dict[str, Any], persona: str, attachment_id: Any) -> Any:
    url = reverse("exchange:attachment", args=[attachment_id])
    return sweeps.client_of(world, persona).get(url)


def test_a_document_is_served_only_to_who_sees_its_request(sweep_world: dict[str, Any]) -> None:
    world = sweep_world
    inbox_document = world["attachment"]["attachment_id"]
    answers = {
        persona: outcome(download(world, persona, inbox_document))
        for persona in (ANONYMOUS, *matrix.SIGNED_IN, *sweeps.EXTRA_PERSONAS)
    }
    assert answers == {
        ANONYMOUS: LOGIN,
        "caseworker_a": "404",
        "supervisor_a": "200",
        "caseworker_b": "404",
        "guardian": "404",
        "analyst": "404",
        "node_admin": "404",
        "outsider": "404",
        "teammate_a": "404",
        "other_admin": "404",
    }


def test_a_document_of_another_case_or_a_guessed_id_is_404(sweep_world: dict[str, Any]) -> None:
    world = sweep_world
    other = world["attachment_b"].pk
    assert outcome(download(world, "supervisor_a", other)) == "404"
    assert outcome(download(world, "caseworker_a", other)) == "404"
    assert outcome(download(world, "supervisor_a", uuid4())) == "404"
    # Caseworker B leads case B: the same door opens for her, so the 404 above is scope.
    assert outcome(download(world, "caseworker_b", other)) == "200"
    signed_out = sweeps.client_of(world, ANONYMOUS)
    assert outcome(signed_out.get(reverse("exchange:attachment", args=[uuid4()]))) == LOGIN


def test_the_document_is_a_download_no_browser_renders_or_keeps(
    sweep_world: dict[str, Any],
) -> None:
    world = sweep_world
    attachment = Attachment.objects.get(pk=world["attachment"]["attachment_id"])
    response = download(world, "supervisor_a", attachment.pk)
    assert response.status_code == 200
    assert response.content == bytes(attachment.content)
    assert hashlib.sha256(response.content).hexdigest() == attachment.sha256
    assert response["Content-Type"] == "application/pdf"
    # The name a peer chose never reaches a header.
    assert response["Content-Disposition"] == f'attachment; filename="document-{attachment.pk}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= directives(response)
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("sequence")
    assert (event.actor, event.object_id) == (world["supervisor_a"], str(attachment.pk))


def test_the_download_view_itself_forbids_caching(rf: Any, sweep_world: dict[str, Any]) -> None:
    """Not only the middleware: the view answers `private, no-store` on its own."""
    from kinlink.exchange.views import attachment_download

    world = sweep_world
    attachment_id = world["attachment"]["attachment_id"]
    request = rf.get(reverse("exchange:attachment", args=[attachment_id]))
    request.user = world["supervisor_a"]
    response = attachment_download.__wrapped__(request, attachment_id)
    assert {"private", "no-store"} <= directives(response)


def test_generated_downloads_carry_the_same_headers(sweep_world: dict[str, Any]) -> None:
    world = sweep_world
    supervisor = sweeps.client_of(world, "supervisor_a")
    admin = sweeps.client_of(world, "node_admin")
    answers = {
        "export": supervisor.get(reverse("reports:export", kwargs=world["export"])),
        "directory": admin.get(reverse("directory:export")),
        "document": supervisor.post(
            reverse("reports:document", kwargs=world["case"]),
            {"document": "case_summary", "language": "en"},
        ),
    }
    headers = {
        name: (
            response.status_code,
            response["Content-Disposition"].split(";")[0],
            response["X-Content-Type-Options"],
            {"private", "no-store"} <= directives(response),
        )
        for name, response in answers.items()
    }
    assert headers == dict.fromkeys(answers, (200, "attachment", "nosniff", True))
