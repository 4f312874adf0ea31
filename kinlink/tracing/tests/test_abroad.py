"""A tracing request from a partner node is matched here; the partner hears only "no match"
or "a possible match is being reviewed" until a caseworker confirms and the child's consent
allows sharing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kinlink.cases.models import Case
from kinlink.exchange import inbox
from kinlink.exchange.models import CrossBorderRequest, OutboundEnvelope
from kinlink.exchange.tests.conftest import guinea, node_keys  # noqa: F401
from kinlink.exchange.tests.support import SimulatedPeer, request_body
from kinlink.tracing import jobs, services
from kinlink.tracing.models import Suggestion, TracingRequest
from kinlink.tracing.tests.conftest import consent

pytestmark = pytest.mark.django_db


def receive(peer: SimulatedPeer, **child: Any) -> TracingRequest:
    body = request_body()
    body["payload"]["child"].update(child)
    conversation = uuid.uuid4()
    inbox.receive(peer.seal(kind="request", conversation=conversation, body=body))
    incoming = CrossBorderRequest.objects.get(conversation=conversation)
    return TracingRequest.objects.get(incoming=incoming)


def test_the_partner_hears_no_match_when_no_child_here_is_alike(
    guinea: SimulatedPeer,  # noqa: F811
    supervisor_a: Any,
    caseworker_a: Any,
) -> None:
    tracing = receive(guinea)
    assert tracing.origin == "abroad" and tracing.handled_by == supervisor_a
    assert jobs.match_incoming.call(str(tracing.pk)) == "no_match"
    (message,) = CrossBorderRequest.objects.get().messages.filter(direction="outgoing")
    assert message.data == {"tracing": "no_match"}
    assert OutboundEnvelope.objects.filter(kind="message").count() == 1


def test_a_possible_match_is_announced_without_the_childs_identity(
    guinea: SimulatedPeer,  # noqa: F811
    supervisor_a: Any,
    caseworker_a: Any,
    mamadu: Case,
) -> None:
    tracing = receive(guinea)
    assert jobs.match_incoming.call(str(tracing.pk)) == "under_review"
    assert Suggestion.objects.get().case == mamadu
    (message,) = CrossBorderRequest.objects.get().messages.filter(direction="outgoing")
    assert message.data == {"tracing": "under_review"}
    envelope = OutboundEnvelope.objects.get(kind="message")
    # The sealed envelope holds the message body only: nothing of the case here.
    for secret in (mamadu.reference, "Mamadu", "JALLOW", "Alpha", str(mamadu.pk)):
        assert secret not in message.text
        assert secret not in str(message.data)
    assert envelope.size < 4000


def test_a_confirmed_match_is_told_and_accepted_only_with_consent_to_share(
    guinea: SimulatedPeer,  # noqa: F811
    supervisor_a: Any,
    caseworker_a: Any,
    mamadu: Case,
) -> None:
    tracing = receive(guinea)
    jobs.match_incoming.call(str(tracing.pk))
    suggestion = Suggestion.objects.get()
    services.suggestion_confirm(
        actor=supervisor_a, suggestion=suggestion, seen_version=suggestion.version
    )
    incoming = CrossBorderRequest.objects.get()
    assert incoming.status == "received"  # no consent to share: nothing more leaves
    assert OutboundEnvelope.objects.filter(kind="message").count() == 1
    assert tracing.actions.filter(kind="abroad").count() == 3

    second = receive(guinea, given_name="Mamadou")
    consent(mamadu, caseworker_a, "sharing")
    Suggestion.objects.filter(request=second).delete()
    jobs.match_incoming.call(str(second.pk))
    # Mamadu is already the first request's child; the second is a new pair.
    pending = Suggestion.objects.get(request=second)
    services.suggestion_confirm(
        actor=supervisor_a, suggestion=pending, seen_version=pending.version
    )
    accepted = second.incoming
    assert accepted is not None
    accepted.refresh_from_db()
    assert (accepted.status, accepted.case) == ("in_progress", mamadu)
    assert OutboundEnvelope.objects.filter(kind="accept").count() == 1
    last = accepted.messages.filter(kind="message", direction="outgoing").last()
    assert last is not None and last.data == {"tracing": "confirmed"}
