"""SG-12: urgent protective action is never blocked by a pending decision or a hold."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.utils import timezone

from kinlink.accounts.models import Notification
from kinlink.care import services as care
from kinlink.care.models import CareArrangement, DetentionRecord
from kinlink.cases.models import ApprovalSubject
from kinlink.cases.services import missing_report
from kinlink.cases.workflow import approval_request


def test_care_and_detention_can_be_recorded_while_the_case_is_on_hold_and_a_decision_pending(
    case_a: Any, caseworker_a: Any, supervisor_a: Any
) -> None:
    approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.CLOSURE, object_id=uuid4()
    )
    case_a.refresh_from_db()
    missing_report(
        actor=caseworker_a,
        case=case_a,
        seen_version=case_a.version,
        last_seen_at=timezone.now(),
        circumstances="Left the reception centre during the night",
        authority="Commissariat central, Tanger",
        notified_at=timezone.now(),
    )
    case_a.refresh_from_db()
    assert case_a.hold == "missing"
    today = timezone.localdate()
    care.care_arrangement_start(
        actor=caseworker_a,
        case=case_a,
        care_type="foster",
        country="MA",
        legal_basis="administrative",
        start_date=today,
        carer_name="Emergency foster family",
    )
    care.detention_record(
        actor=caseworker_a,
        case=case_a,
        place="Police station",
        authority="Police",
        started_on=today,
    )
    assert CareArrangement.objects.filter(case=case_a, care_type="foster").exists()
    assert DetentionRecord.objects.filter(case=case_a).exists()
    assert Notification.objects.filter(recipient=supervisor_a, kind="detention").exists()
