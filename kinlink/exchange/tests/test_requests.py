"""Cross-border requests on the sending and the receiving side, in one node: what may leave,
what the approval writes to the outbox, and what the partner's answers do in the case."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from joserfc import jwe, jws

from kinlink.assessments.models import FamilyEvaluation
from kinlink.cases.models import ApprovalSubject, Case, Hold
from kinlink.cases.services import case_person_add, consent_record
from kinlink.cases.workflow import approval_decide, pending_approval
from kinlink.exchange import inbox, outbox, receiving
from kinlink.exchange import requests as exchange
from kinlink.exchange.models import (
    CrossBorderRequest,
    Direction,
    OutboundEnvelope,
    RequestStatus,
)
from kinlink.exchange.tests.support import SimulatedPeer, register_simulated_peer, request_body

pytestmark = pytest.mark.django_db


def share_consent(case: Case, actor: Any) -> None:
    consent_record(
        actor=actor,
        case=case,
        consent={"given_by": "child", "scopes": ["sharing"], "language": "ara"},
    )


def opened_by(peer: SimulatedPeer, envelope: OutboundEnvelope) -> dict[str, Any]:
    """What the peer reads when it opens the envelope: the signed claims."""
    enc = peer.ring.encryption_key()
    plain = jwe.decrypt_compact(
        bytes(envelope.token).decode(), enc.key, algorithms=["ECDH-ES+A256KW", "A256GCM"]
    )
    signed = jws.extract_compact(plain.plaintext or b"")
    return dict(json.loads(signed.payload))


def draft(
    case: Case, actor: Any, peer: SimulatedPeer, kind: str = "family_evaluation", **kw: Any
) -> CrossBorderRequest:
    return exchange.request_draft(
        actor=actor,
        case=case,
        request_type=kind,
        peer=peer.peer,
        questions="Please meet the mother and evaluate the home.",
        danger_checked=True,
        **kw,
    )


def send(request: CrossBorderRequest, caseworker: Any, supervisor: Any) -> None:
    approval = exchange.request_submit(
        actor=caseworker, request=request, seen_version=request.version
    )
    approval_decide(actor=supervisor, approval=approval, approve=True)
    request.refresh_from_db()


def test_nothing_leaves_before_a_supervisor_approves(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea)
    exchange.request_submit(actor=caseworker_a, request=request, seen_version=request.version)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not OutboundEnvelope.objects.exists()
    approval = pending_approval(ApprovalSubject.CROSS_BORDER, request.pk)
    assert approval is not None
    approval_decide(actor=supervisor_a, approval=approval, approve=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert OutboundEnvelope.objects.filter(kind="request").count() == 1


def test_what_leaves_is_exactly_the_frozen_payload_of_the_type(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    case_person_add(
        actor=caseworker_a,
        case=case_a,
        full_name="Amina El Amine",
        relationship="mother",
        country="SD",
        contact="+249 000",
    )
    request = draft(case_a, caseworker_a, guinea, kind="tracing")
    send(request, caseworker_a, supervisor_a)
    claims = opened_by(guinea, OutboundEnvelope.objects.get())
    payload = claims["body"]["payload"]
    assert set(payload) == {"child", "relatives"}
    assert payload == request.payload
    assert payload["child"]["given_name"] == "Mohamed"
    assert payload["relatives"][0]["full_name"] == "Amina El Amine"
    # Nothing of the case beyond the type's fields: no location, no consent, no history.
    assert "current_location" not in json.dumps(claims)
    assert claims["to"] == guinea.node_id and claims["kind"] == "request"


def test_an_optional_field_leaves_only_when_chosen(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    without = draft(case_a, caseworker_a, guinea)
    with_summary = draft(case_a, caseworker_a, guinea, fields=["case"])
    send(without, caseworker_a, supervisor_a)
    send(with_summary, caseworker_a, supervisor_a)
    assert "case" not in without.payload
    assert with_summary.payload["case"]["risk_level"] == "high"


def test_personal_data_needs_the_childs_consent_to_sharing_or_a_legal_basis(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any
) -> None:
    request = draft(case_a, caseworker_a, guinea)
    with pytest.raises(ValidationError) as refused:
        exchange.request_submit(actor=caseworker_a, request=request, seen_version=request.version)
    assert "legal_basis" in refused.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT
    exchange.request_update(
        actor=caseworker_a,
        request=request,
        seen_version=request.version,
        questions=request.questions,
        danger_checked=True,
        legal_basis="public_task",
        legal_basis_note="Court order of 12 November asking the agency to trace the family.",
    )
    request.refresh_from_db()
    exchange.request_submit(actor=caseworker_a, request=request, seen_version=request.version)


def test_the_do_no_harm_check_must_be_confirmed(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = exchange.request_draft(
        actor=caseworker_a,
        case=case_a,
        request_type="tracing",
        peer=guinea.peer,
        questions="Trace the mother.",
    )
    with pytest.raises(ValidationError) as refused:
        exchange.request_submit(actor=caseworker_a, request=request, seen_version=request.version)
    assert "Art. 37" in " ".join(refused.value.message_dict["danger_checked"])


def test_an_asylum_seeker_is_not_reported_to_the_authorities_of_his_country_without_a_reason(
    node_keys: Any, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    from kinlink.care.services import legal_procedure_add

    embassy = register_simulated_peer(
        node_id="sd-ministry", name="Ministry, Sudan", country="SD", is_state_authority=True
    )
    share_consent(case_a, caseworker_a)
    legal_procedure_add(
        actor=caseworker_a,
        case=case_a,
        procedure_type="asylum",
        authority="Asylum office",
        lodged_on=timezone.localdate(),
    )
    case_a.refresh_from_db()
    assert case_a.protection_sought
    request = draft(case_a, caseworker_a, embassy, kind="document_retrieval")
    with pytest.raises(ValidationError) as refused:
        exchange.request_submit(actor=caseworker_a, request=request, seen_version=request.version)
    assert "origin_override_reason" in refused.value.message_dict
    exchange.request_update(
        actor=caseworker_a,
        request=request,
        seen_version=request.version,
        questions=request.questions,
        danger_checked=True,
        origin_override_reason="The child asks for his birth certificate to join his father.",
    )
    request.refresh_from_db()
    send(request, caseworker_a, supervisor_a)
    assert request.status == RequestStatus.SENT


def test_the_partners_family_evaluation_lands_in_step_5_of_the_case(
    client: Any, guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea)
    send(request, caseworker_a, supervisor_a)
    accept = guinea.seal(
        kind="accept",
        conversation=request.conversation,
        body={"text": "", "author": "Mariama Barry", "case_reference": "GN-2026-00031"},
    )
    assert inbox.receive(accept).status == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert request.remote_case_reference == "GN-2026-00031"
    reply = guinea.seal(
        kind="reply",
        conversation=request.conversation,
        body={
            "text": "Report attached in the fields.",
            "author": "Mariama Barry",
            "attachments": [],
            "data": {
                "who_was_met": "The mother and the maternal uncle",
                "home_conditions": "Two rooms, water nearby",
                "capacity": "Willing; needs support for school fees",
                "risks": "",
                "evaluator_name": "Mariama Barry",
                "evaluated_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
                "recommendation": "with_support",
            },
        },
    )
    assert inbox.receive(reply).status == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.REPLIED
    evaluation = FamilyEvaluation.objects.get(case=case_a)
    assert evaluation.received_from == guinea.peer.name
    assert evaluation.recorded_by is None
    assert evaluation.recommendation == "with_support"
    assert caseworker_a.notifications.filter(kind="request_update").count() == 2


def test_a_reply_that_does_not_fit_its_type_is_refused_and_changes_nothing(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea)
    send(request, caseworker_a, supervisor_a)
    inbox.receive(guinea.seal(kind="accept", conversation=request.conversation, body={}))
    answer = inbox.receive(
        guinea.seal(
            kind="reply",
            conversation=request.conversation,
            body={"data": {"who_was_met": "The mother"}},
        )
    )
    assert answer.status == 409
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert not FamilyEvaluation.objects.exists()


def test_an_accepted_transfer_puts_the_sending_case_on_hold_as_transferred_out(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea, kind="transfer")
    send(request, caseworker_a, supervisor_a)
    inbox.receive(
        guinea.seal(
            kind="accept", conversation=request.conversation, body={"case_reference": "GN-1"}
        )
    )
    case_a.refresh_from_db()
    assert case_a.hold == Hold.TRANSFERRED_OUT
    assert "GN" in case_a.hold_reason or guinea.peer.name in case_a.hold_reason


def test_withdrawing_a_sent_request_tells_the_partner(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea)
    send(request, caseworker_a, supervisor_a)
    exchange.request_withdraw(
        actor=caseworker_a, request=request, reason="The child was found here."
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    withdraw = OutboundEnvelope.objects.get(kind="withdraw")
    assert opened_by(guinea, withdraw)["body"]["text"] == "The child was found here."


def test_an_incoming_request_accepted_opens_a_linked_case_here(
    guinea: SimulatedPeer, supervisor_a: Any, caseworker_a: Any
) -> None:
    conversation = uuid.uuid4()
    inbox.receive(guinea.seal(kind="request", conversation=conversation, body=request_body()))
    request = CrossBorderRequest.objects.get(
        conversation=conversation, direction=Direction.INCOMING
    )
    receiving.incoming_accept(
        actor=supervisor_a, request=request, seen_version=request.version, assign_to=caseworker_a
    )
    request.refresh_from_db()
    case = request.case
    assert case is not None
    assert (case.given_name, case.family_name, case.case_type) == (
        "Mamadou",
        "Diallo",
        "tracing_only",
    )
    assert case.lead_caseworker == caseworker_a
    assert case.consents.get().legal_basis == "public_task"
    accept = OutboundEnvelope.objects.get(kind="accept")
    assert accept.conversation == conversation
    assert caseworker_a.notifications.filter(kind="request_update").exists()


def test_a_caseworker_cannot_accept_from_the_inbox(
    guinea: SimulatedPeer, supervisor_a: Any, caseworker_a: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    conversation = uuid.uuid4()
    inbox.receive(guinea.seal(kind="request", conversation=conversation, body=request_body()))
    request = CrossBorderRequest.objects.get(conversation=conversation)
    with pytest.raises(PermissionDenied):
        receiving.incoming_accept(actor=caseworker_a, request=request, seen_version=request.version)


def test_the_reply_of_the_receiving_side_goes_in_its_types_form(
    guinea: SimulatedPeer, supervisor_a: Any, caseworker_a: Any
) -> None:
    conversation = uuid.uuid4()
    inbox.receive(guinea.seal(kind="request", conversation=conversation, body=request_body()))
    request = CrossBorderRequest.objects.get(conversation=conversation)
    receiving.incoming_accept(actor=supervisor_a, request=request, seen_version=request.version)
    request.refresh_from_db()
    receiving.incoming_reply(
        actor=supervisor_a,
        request=request,
        seen_version=request.version,
        data={"outcome": "found", "findings": "The mother lives in Labé, she was visited."},
        attachments=[
            {
                "name": "photo.png",
                "content_type": "image/png",
                "content": b"\x89PNG\r\n\x1a\n" + b"0" * 100,
            }
        ],
    )
    reply = OutboundEnvelope.objects.get(kind="reply")
    claims = opened_by(guinea, reply)
    assert claims["body"]["data"]["outcome"] == "found"
    assert claims["body"]["attachments"][0]["name"] == "photo.png"


def test_a_document_that_is_not_what_it_says_is_refused(
    guinea: SimulatedPeer, supervisor_a: Any
) -> None:
    conversation = uuid.uuid4()
    inbox.receive(guinea.seal(kind="request", conversation=conversation, body=request_body()))
    request = CrossBorderRequest.objects.get(conversation=conversation)
    receiving.incoming_accept(actor=supervisor_a, request=request, seen_version=request.version)
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        exchange.message_post(
            actor=supervisor_a,
            request=request,
            text="See the document",
            attachments=[
                {
                    "name": "a.pdf",
                    "content_type": "application/pdf",
                    "content": b"MZ\x90\x00 not a pdf",
                }
            ],
        )
    assert not OutboundEnvelope.objects.filter(kind="message").exists()


def test_a_stale_accept_is_refused(guinea: SimulatedPeer, supervisor_a: Any) -> None:
    from kinlink.core.concurrency import StaleEdit

    conversation = uuid.uuid4()
    inbox.receive(guinea.seal(kind="request", conversation=conversation, body=request_body()))
    request = CrossBorderRequest.objects.get(conversation=conversation)
    with pytest.raises(StaleEdit):
        receiving.incoming_accept(
            actor=supervisor_a, request=request, seen_version=request.version - 1
        )
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_the_outbox_retries_a_dead_envelope_from_the_head_of_its_queue(
    guinea: SimulatedPeer, node_admin: Any
) -> None:
    envelope = outbox.enqueue(
        peer=guinea.peer, kind="message", conversation=uuid.uuid4(), body={"text": "hello"}
    )
    OutboundEnvelope.objects.filter(pk=envelope.pk).update(status="dead", attempts=9)
    outbox.retry(envelope=envelope, actor=node_admin)
    envelope.refresh_from_db()
    assert (envelope.status, envelope.attempts) == ("pending", 0)


def test_back_off_doubles_up_to_its_cap(settings: Any) -> None:
    import random

    settings.KINLINK_EXCHANGE_RETRY_BASE_SECONDS = 2
    settings.KINLINK_EXCHANGE_RETRY_CAP_SECONDS = 120
    rng = random.Random(1)
    waits = [outbox.backoff(n, rng=rng).total_seconds() for n in range(1, 10)]
    assert 1.6 <= waits[0] <= 2.4
    assert 6.4 <= waits[2] <= 9.6
    assert all(w <= 144 for w in waits)
    assert waits[-1] >= 96


def test_a_request_not_replied_by_its_date_is_flagged_overdue_once(
    guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    from kinlink.exchange.jobs import refresh_request_deadlines

    share_consent(case_a, caseworker_a)
    request = draft(case_a, caseworker_a, guinea, due_on=timezone.localdate() + timedelta(days=5))
    send(request, caseworker_a, supervisor_a)
    CrossBorderRequest.objects.filter(pk=request.pk).update(due_on=date(2020, 1, 1))
    first = refresh_request_deadlines.call()
    second = refresh_request_deadlines.call()
    assert (first["overdue"], second["overdue"]) == (1, 0)
    request.refresh_from_db()
    assert request.overdue
    assert caseworker_a.notifications.filter(kind="request_due").count() == 1


def test_the_partners_matcher_answer_stands_beside_a_sent_tracing_request(
    client: Any, guinea: SimulatedPeer, case_a: Case, caseworker_a: Any, supervisor_a: Any
) -> None:
    from django.urls import reverse

    share_consent(case_a, caseworker_a)
    case_person_add(
        actor=caseworker_a, case=case_a, full_name="Aminata Diallo", relationship="mother"
    )
    request = draft(case_a, caseworker_a, guinea, kind="tracing")
    send(request, caseworker_a, supervisor_a)
    client.force_login(caseworker_a)
    page = reverse("exchange:request_detail", args=[request.pk])
    assert 'id="progress"' not in client.get(page).content.decode()
    for answer, shown in (
        ("under_review", "The partner has a possible match"),
        ("no_match", "The partner found no match"),
    ):
        message = guinea.seal(
            kind="message",
            conversation=request.conversation,
            body={"text": "…", "author": "Matcher", "attachments": [], "data": {"tracing": answer}},
        )
        assert inbox.receive(message).status == 200
        html = client.get(page).content.decode()
        assert 'id="progress"' in html and shown in html
