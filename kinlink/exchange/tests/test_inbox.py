"""The inbox refuses, with a typed error and nothing applied, every envelope it cannot
trust; it applies a trustworthy one once, and answers a repeat with the original receipt."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.exchange import keys
from kinlink.exchange.envelopes import seal, verify_receipt
from kinlink.exchange.models import CrossBorderRequest, InboundEnvelope, RequestStatus
from kinlink.exchange.tests.support import SimulatedPeer, register_simulated_peer, request_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(supervisor_a: Any, caseworker_a: Any) -> None:
    """The receiving agency has triage staff (the supervisor is told of new requests)."""


def post(client: Any, token: bytes) -> Any:
    return client.post(reverse("exchange:inbox"), data=token, content_type="application/jose")


def nothing_applied() -> bool:
    return not CrossBorderRequest.objects.exists() and not InboundEnvelope.objects.exists()


def refusal(response: Any) -> str:
    return str(json.loads(response.content)["error"])


def last_refusal_audited() -> str:
    event = AuditEvent.objects.filter(action=AuditAction.REFUSE).order_by("-sequence").first()
    assert event is not None
    return str(event.context["refusal"])


def outgoing_tracing(guinea: SimulatedPeer, case: Any, status: str) -> CrossBorderRequest:
    """A tracing request this node sent to the Guinean peer, in the given status."""
    from kinlink.exchange.models import Direction

    return CrossBorderRequest.objects.create(
        conversation=uuid.uuid4(),
        reference=f"MA-AGENCE-A-2026-{CrossBorderRequest.objects.count() + 2:05d}",
        direction=Direction.OUTGOING,
        request_type="tracing",
        agency=case.agency,
        peer=guinea.peer,
        case=case,
        status=status,
        due_on=timezone.localdate() + timedelta(days=10),
    )


def sealed_by(ring: keys.KeyRing, guinea: SimulatedPeer, node_keys: keys.KeyRing) -> bytes:
    """A request envelope in the Guinean peer's name, signed with another ring's keys."""
    return seal(
        ring=ring,
        sender=guinea.node_id,
        recipient="ma-test",
        recipient_key=node_keys.encryption_key().public(),
        message_id=uuid.uuid4(),
        kind="request",
        request=uuid.uuid4(),
        body=request_body(),
        now=timezone.now(),
    )


def test_a_request_from_a_peer_lands_in_the_inbox_with_a_signed_receipt(
    client: Any, guinea: SimulatedPeer, staff: None, supervisor_a: Any
) -> None:
    conversation = uuid.uuid4()
    message_id = uuid.uuid4()
    token = guinea.seal(
        kind="request", conversation=conversation, body=request_body(), message_id=message_id
    )
    response = post(client, token)
    assert response.status_code == 200
    own = keys.load()
    claims = verify_receipt(
        response.content.decode(),
        peer="ma-test",
        signing_key_of=lambda node, kid: own.by_kid(kid).public(),  # type: ignore[union-attr]
        message_id=message_id,
        sent_digest=base64.urlsafe_b64encode(__import__("hashlib").sha256(token).digest())
        .rstrip(b"=")
        .decode(),
    )
    assert claims["status"] == "accepted"
    request = CrossBorderRequest.objects.get(conversation=conversation)
    assert request.status == RequestStatus.RECEIVED
    assert request.payload["child"]["given_name"] == "Mamadou"
    assert request.messages.get().message_id == message_id
    assert supervisor_a.notifications.filter(kind="request_received").exists()
    assert AuditEvent.objects.filter(action=AuditAction.RECEIVE).count() == 1


def test_the_same_envelope_twice_is_applied_once_and_answered_with_the_same_receipt(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    token = guinea.seal(kind="request", conversation=uuid.uuid4(), body=request_body())
    first, second = post(client, token), post(client, token)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert CrossBorderRequest.objects.count() == 1
    assert InboundEnvelope.objects.count() == 1


def test_a_message_id_reused_for_other_bytes_is_refused_as_a_replay(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    message_id = uuid.uuid4()
    conversation = uuid.uuid4()
    original = guinea.seal(
        kind="request", conversation=conversation, body=request_body(), message_id=message_id
    )
    assert post(client, original).status_code == 200
    forged = guinea.seal(
        kind="request",
        conversation=uuid.uuid4(),
        body=request_body(text="Something else"),
        message_id=message_id,
    )
    response = post(client, forged)
    assert response.status_code == 409
    assert refusal(response) == "replayed"
    assert CrossBorderRequest.objects.count() == 1
    assert last_refusal_audited() == "replayed"


def test_plain_json_is_refused_as_unsigned(client: Any, guinea: SimulatedPeer) -> None:
    response = post(client, json.dumps({"kind": "request", "body": request_body()}).encode())
    assert (response.status_code, refusal(response)) == (400, "unsigned")
    assert nothing_applied()
    assert last_refusal_audited() == "unsigned"


def test_an_encrypted_but_unsigned_message_is_refused_as_unsigned(
    client: Any, guinea: SimulatedPeer
) -> None:
    from joserfc import jwe
    from joserfc.jwk import OKPKey

    own = keys.load().encryption_key()
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": own.kid},
        json.dumps({"v": 1, "from": guinea.node_id}).encode(),
        OKPKey.import_key(own.public()),
        algorithms=["ECDH-ES+A256KW", "A256GCM"],
    ).encode()
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "unsigned")
    assert nothing_applied()


def test_an_envelope_from_a_node_that_is_not_a_peer_is_refused(
    client: Any, node_keys: keys.KeyRing, staff: None
) -> None:
    stranger = keys.new_ring()
    token = seal(
        ring=stranger,
        sender="xx-stranger",
        recipient="ma-test",
        recipient_key=node_keys.encryption_key().public(),
        message_id=uuid.uuid4(),
        kind="request",
        request=uuid.uuid4(),
        body=request_body(),
        now=timezone.now(),
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (403, "unknown_sender")
    assert nothing_applied()
    assert last_refusal_audited() == "unknown_sender"


def test_an_envelope_signed_with_a_key_the_peer_never_published_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None, node_keys: keys.KeyRing
) -> None:
    impostor = keys.new_ring()
    token = sealed_by(impostor, guinea, node_keys)
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (403, "unknown_key")
    assert nothing_applied()


def test_an_envelope_signed_by_the_wrong_key_under_a_trusted_key_id_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None, node_keys: keys.KeyRing
) -> None:
    impostor = keys.new_ring()
    # The impostor claims the peer's key id for a key of its own.
    for ring_key in impostor.keys:
        ring_key.jwk["kid"] = guinea.ring.active(ring_key.use).kid
    token = sealed_by(impostor, guinea, node_keys)
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (403, "bad_signature")
    assert nothing_applied()


def test_an_envelope_altered_on_the_way_is_refused_as_tampered(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    parts = guinea.seal(kind="request", conversation=uuid.uuid4(), body=request_body()).split(b".")
    ciphertext = bytearray(base64.urlsafe_b64decode(parts[3] + b"=" * (-len(parts[3]) % 4)))
    ciphertext[10] ^= 0x01
    parts[3] = base64.urlsafe_b64encode(bytes(ciphertext)).rstrip(b"=")
    response = post(client, b".".join(parts))
    assert (response.status_code, refusal(response)) == (400, "tampered")
    assert nothing_applied()
    assert last_refusal_audited() == "tampered"


def test_an_expired_envelope_is_refused(client: Any, guinea: SimulatedPeer, staff: None) -> None:
    token = guinea.seal(
        kind="request",
        conversation=uuid.uuid4(),
        body=request_body(),
        now=timezone.now() - timedelta(days=31),
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "expired")
    assert nothing_applied()


def test_an_envelope_dated_beyond_the_clock_skew_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    token = guinea.seal(
        kind="request",
        conversation=uuid.uuid4(),
        body=request_body(),
        now=timezone.now() + timedelta(minutes=10),
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "not_yet_valid")
    assert nothing_applied()


def test_an_envelope_a_few_minutes_ahead_is_accepted_as_clock_skew(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    token = guinea.seal(
        kind="request",
        conversation=uuid.uuid4(),
        body=request_body(),
        now=timezone.now() + timedelta(minutes=3),
    )
    assert post(client, token).status_code == 200


def test_an_envelope_addressed_to_another_node_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    token = guinea.seal(
        kind="request", conversation=uuid.uuid4(), body=request_body(), to="it-other"
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "wrong_recipient")
    assert nothing_applied()


def test_an_envelope_encrypted_to_another_nodes_key_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    other = keys.new_ring()
    token = seal(
        ring=guinea.ring,
        sender=guinea.node_id,
        recipient="ma-test",
        recipient_key=other.encryption_key().public(),
        message_id=uuid.uuid4(),
        kind="request",
        request=uuid.uuid4(),
        body=request_body(),
        now=timezone.now(),
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "wrong_recipient")
    assert nothing_applied()


def test_an_oversize_envelope_is_refused_before_it_is_read(
    client: Any, guinea: SimulatedPeer, settings: Any
) -> None:
    settings.KINLINK_EXCHANGE_MAX_BYTES = 5_000
    token = guinea.seal(
        kind="request", conversation=uuid.uuid4(), body=request_body(text="x" * 10_000)
    )
    response = post(client, token)
    assert response.status_code == 413
    assert refusal(response) == "oversize"
    assert nothing_applied()


@pytest.mark.parametrize("garbage", [b"", b"hello", b"a.b.c.d.e", bytes(range(256))])
def test_garbage_is_refused_as_malformed(
    client: Any, guinea: SimulatedPeer, garbage: bytes
) -> None:
    response = post(client, garbage)
    assert (response.status_code, refusal(response)) == (400, "malformed")
    assert nothing_applied()


def test_a_request_of_an_unknown_type_is_refused_and_kept_as_refused(
    client: Any, guinea: SimulatedPeer, staff: None
) -> None:
    token = guinea.seal(
        kind="request", conversation=uuid.uuid4(), body=request_body(type="adoption_order")
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (400, "malformed")
    assert not CrossBorderRequest.objects.exists()
    assert InboundEnvelope.objects.get().status == "refused"
    # A repeat gets the same refusal, and still nothing is applied.
    assert refusal(post(client, token)) == "malformed"


def test_a_reply_from_a_node_that_is_not_the_addressee_is_refused(
    client: Any,
    guinea: SimulatedPeer,
    staff: None,
    case_a: Any,
    caseworker_a: Any,
) -> None:
    from kinlink.exchange.models import Direction

    intruder = register_simulated_peer(node_id="it-intruder", name="Other", country="IT")
    request = CrossBorderRequest.objects.create(
        conversation=uuid.uuid4(),
        reference="MA-AGENCE-A-2026-00001",
        direction=Direction.OUTGOING,
        request_type="tracing",
        agency=case_a.agency,
        peer=guinea.peer,
        case=case_a,
        status=RequestStatus.IN_PROGRESS,
        due_on=timezone.localdate() + timedelta(days=10),
    )
    token = intruder.seal(
        kind="reply",
        conversation=request.conversation,
        body={"text": "", "data": {"outcome": "found", "findings": "Mother found."}},
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (403, "not_addressee")
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert last_refusal_audited() == "not_addressee"


def test_a_reply_to_a_withdrawn_request_is_refused(
    client: Any, guinea: SimulatedPeer, staff: None, case_a: Any
) -> None:
    request = outgoing_tracing(guinea, case_a, RequestStatus.WITHDRAWN)
    token = guinea.seal(
        kind="reply",
        conversation=request.conversation,
        body={"text": "", "data": {"outcome": "found", "findings": "Mother found."}},
    )
    response = post(client, token)
    assert (response.status_code, refusal(response)) == (409, "withdrawn")
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert not request.messages.exists()
    assert last_refusal_audited() == "withdrawn"


def test_the_task_to_read_a_reply_is_titled_in_each_readers_language(
    client: Any, guinea: SimulatedPeer, staff: None, case_a: Any
) -> None:
    from django.utils import translation

    from kinlink.cases.models import Task

    request = outgoing_tracing(guinea, case_a, RequestStatus.IN_PROGRESS)
    with translation.override("fr"):  # the language of whoever's request delivered the reply
        token = guinea.seal(
            kind="reply",
            conversation=request.conversation,
            body={"text": "", "data": {"outcome": "found", "findings": "Mother found."}},
        )
        assert post(client, token).status_code == 200
    task = Task.objects.get(case=case_a, source_id=request.pk)
    assert task.title == "Read the reply of %(peer)s: %(what)s"
    with translation.override("en"):
        assert task.display_title == f"Read the reply of {guinea.peer.name}: Family found"
    with translation.override("es"):
        assert task.display_title == f"Leer la respuesta de {guinea.peer.name}: Familia encontrada"
