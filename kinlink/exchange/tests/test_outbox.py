"""The outbox against a peer that misbehaves: a real HTTP server on loopback answers garbage,
errors, refusals or nothing; the envelope is retried, then given up with its reason, and the
request shows it."""

from __future__ import annotations

import http.server
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kinlink.exchange import outbox
from kinlink.exchange.models import OutboundEnvelope, OutboundStatus, Peer
from kinlink.exchange.tests.support import SimulatedPeer

pytestmark = pytest.mark.django_db


class Answers:
    """What the fake peer answers next: (status, body, delay in seconds)."""

    def __init__(self) -> None:
        self.next: tuple[int, bytes, float] = (200, b"garbage", 0.0)
        self.posts = 0


@pytest.fixture
def peer_server(guinea: SimulatedPeer, settings: Any) -> Iterator[Answers]:
    answers = Answers()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answers.posts += 1
            status, body, delay = answers.next
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the timeout case: the client hung up before the late answer

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Peer.objects.filter(pk=guinea.peer.pk).update(
        inbox_url=f"http://127.0.0.1:{server.server_address[1]}/exchange/inbox"
    )
    settings.KINLINK_EXCHANGE_TIMEOUT_SECONDS = 1.0
    yield answers
    server.shutdown()


def envelope(guinea: SimulatedPeer) -> OutboundEnvelope:
    return outbox.enqueue(
        peer=Peer.objects.get(pk=guinea.peer.pk),
        kind="message",
        conversation=uuid.uuid4(),
        body={"text": "hello"},
    )


def deliver(row: OutboundEnvelope) -> OutboundEnvelope:
    OutboundEnvelope.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    outbox.deliver_due(budget_seconds=5)
    row.refresh_from_db()
    return row


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((200, b"not a receipt", 0.0), "bad receipt"),
        ((500, b"oops", 0.0), "HTTP 500"),
        ((503, b"", 0.0), "HTTP 503"),
        ((400, b"{}", 0.0), "HTTP 400"),
        ((200, b"", 1.5), "ReadTimeout"),
    ],
)
def test_a_peer_that_answers_wrongly_is_tried_again_later(
    guinea: SimulatedPeer, peer_server: Answers, answer: tuple[int, bytes, float], error: str
) -> None:
    peer_server.next = answer
    row = deliver(envelope(guinea))
    assert row.status == OutboundStatus.PENDING
    assert row.attempts == 1
    assert error in row.last_error
    assert row.next_attempt_at > timezone.now()


def test_a_typed_refusal_ends_the_envelope_at_once_with_its_reason(
    guinea: SimulatedPeer, peer_server: Answers
) -> None:
    peer_server.next = (403, b'{"error": "unknown_key"}', 0.0)
    row = deliver(envelope(guinea))
    assert (row.status, row.last_error, row.attempts) == ("dead", "unknown_key", 1)


def test_an_envelope_is_given_up_after_the_peer_stayed_unreachable_too_long(
    guinea: SimulatedPeer, peer_server: Answers, settings: Any
) -> None:
    peer_server.next = (503, b"", 0.0)
    row = envelope(guinea)
    OutboundEnvelope.objects.filter(pk=row.pk).update(
        queued_at=timezone.now() - settings.KINLINK_EXCHANGE_GIVE_UP_AFTER - timedelta(minutes=1)
    )
    row = deliver(row)
    assert (row.status, row.last_error) == ("dead", "HTTP 503")


def test_a_failing_head_holds_back_the_peers_later_envelopes(
    guinea: SimulatedPeer, peer_server: Answers
) -> None:
    peer_server.next = (500, b"", 0.0)
    first, second = envelope(guinea), envelope(guinea)
    outbox.deliver_due(budget_seconds=5)
    assert peer_server.posts == 1  # the second one waited its turn
    second.refresh_from_db()
    assert second.attempts == 0
    first.refresh_from_db()
    assert first.attempts == 1


def test_a_dead_request_envelope_tells_the_caseworker_and_shows_on_the_request(
    guinea: SimulatedPeer,
    peer_server: Answers,
    case_a: Any,
    caseworker_a: Any,
    supervisor_a: Any,
    client: Any,
) -> None:
    from django.urls import reverse

    from kinlink.cases.services import consent_record
    from kinlink.cases.workflow import approval_decide
    from kinlink.exchange import requests as exchange

    consent_record(
        actor=caseworker_a,
        case=case_a,
        consent={"given_by": "child", "scopes": ["sharing"], "language": "ara"},
    )
    request = exchange.request_draft(
        actor=caseworker_a,
        case=case_a,
        request_type="tracing",
        peer=Peer.objects.get(pk=guinea.peer.pk),
        questions="Trace his mother.",
        danger_checked=True,
    )
    approval = exchange.request_submit(
        actor=caseworker_a, request=request, seen_version=request.version
    )
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    peer_server.next = (403, b'{"error": "unknown_sender"}', 0.0)
    outbox.deliver_due(budget_seconds=5)
    assert caseworker_a.notifications.filter(kind="request_undelivered").exists()
    client.force_login(caseworker_a)
    page = client.get(reverse("exchange:request_detail", args=[request.pk])).content.decode()
    assert "could not be delivered" in page
    assert "not delivered" in page
