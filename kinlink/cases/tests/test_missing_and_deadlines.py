"""A child reported missing: the police or authority told, the supervisors and the guardian
alerted, shown on the case page. First responses due are on My day; overdue, the lead is told
and, for a high-risk child, the supervisors too. Reopening and ageing out are shown with dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import Notification, NotificationKind, User
from kinlink.audit.models import AuditEvent
from kinlink.cases import lifecycle
from kinlink.cases.jobs import refresh_deadlines
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import Case, MissingReport, Stage
from kinlink.cases.services import case_assign, first_response_record, missing_report
from kinlink.cases.workflow import case_transition

pytestmark = pytest.mark.django_db

CIRCUMSTANCES = "Left the reception centre during the night, with two older boys"


def report(case: Case, actor: User, **overrides: Any) -> MissingReport:
    case.refresh_from_db()
    values: dict[str, Any] = {
        "last_seen_at": timezone.now() - timedelta(hours=6),
        "circumstances": CIRCUMSTANCES,
        "authority": "Commissariat central, Tanger",
        "notified_at": timezone.now() - timedelta(hours=1),
        "authority_reference": "PV-2026-3311",
    }
    values.update(overrides)
    return missing_report(actor=actor, case=case, seen_version=case.version, **values)


@pytest.fixture
def guarded(case_a: Case, supervisor_a: User, guardian: User) -> Case:
    case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    case_a.refresh_from_db()
    return case_a


def test_reporting_a_child_missing_records_who_was_told_and_alerts_supervisor_and_guardian(
    guarded: Case, caseworker_a: User, supervisor_a: User, guardian: User
) -> None:
    report(guarded, caseworker_a)
    guarded.refresh_from_db()
    assert guarded.hold == "missing"
    assert guarded.hold_reason == CIRCUMSTANCES
    row = MissingReport.objects.get(case=guarded)
    assert (row.authority, row.authority_reference) == (
        "Commissariat central, Tanger",
        "PV-2026-3311",
    )
    alerts = Notification.objects.filter(kind=NotificationKind.CHILD_MISSING)
    assert {n.recipient for n in alerts} == {supervisor_a, guardian}
    alert = alerts.first()
    assert alert is not None
    assert guarded.given_name not in alert.text
    assert "Commissariat central, Tanger" in alert.text
    assert AuditEvent.objects.filter(object_id=str(row.pk), action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"authority": "  "}, "authority"),
        ({"circumstances": "Gone"}, "circumstances"),
        ({"notified_at": timezone.now() + timedelta(days=1)}, "notified_at"),
        ({"authority": "P" * 201}, "authority"),
    ],
    ids=["no-authority", "short-circumstances", "notified-in-the-future", "authority-201"],
)
def test_a_missing_report_without_who_was_told_is_refused_and_nothing_changes(
    case_a: Case, caseworker_a: User, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        report(case_a, caseworker_a, **overrides)
    assert field in error.value.message_dict
    case_a.refresh_from_db()
    assert case_a.hold == ""
    assert not MissingReport.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.CHILD_MISSING).exists()


def test_the_missing_move_without_the_report_is_refused_and_points_to_the_form(
    case_a: Case, caseworker_a: User
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        case_transition(
            actor=caseworker_a,
            case=case_a,
            name="report_missing",
            seen_version=case_a.version,
            reason=CIRCUMSTANCES,
        )
    [refusal] = refused.value.refusals
    assert "who was notified" in refusal.message
    assert refusal.where == reverse("cases:missing_report", args=[case_a.pk])
    case_a.refresh_from_db()
    assert case_a.hold == ""


def test_the_case_page_shows_the_missing_report_and_resuming_marks_the_child_found(
    client: Any, case_a: Case, caseworker_a: User
) -> None:
    report(case_a, caseworker_a)
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert 'id="missing-report"' in page
    assert "Commissariat central, Tanger notified on" in page
    assert "PV-2026-3311" in page
    case_a.refresh_from_db()
    case_transition(
        actor=caseworker_a,
        case=case_a,
        name="resume",
        seen_version=case_a.version,
        reason="Found at the bus station by the police",
    )
    assert MissingReport.objects.get(case=case_a).found_at is not None


def test_the_missing_form_reports_the_child_and_returns_to_the_case(
    client: Any, case_a: Case, caseworker_a: User
) -> None:
    client.force_login(caseworker_a)
    url = reverse("cases:missing_report", args=[case_a.pk])
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert url in page  # the move links to the form
    response = client.post(
        url,
        {
            "version": case_a.version,
            "last_seen_at": "2026-11-01T22:00",
            "circumstances": CIRCUMSTANCES,
            "authority": "Gendarmerie royale",
            "notified_at": "2026-11-02T07:30",
        },
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.hold == "missing"


# --- first responses (SG-17) ----------------------------------------------------------------


def test_my_day_lists_first_responses_due_and_overdue(
    client: Any, register_case: Any, caseworker_a: User
) -> None:
    late = register_case(risk_level="high")
    soon = register_case(risk_level="low", given_name="Ibrahim")
    given = register_case(given_name="Moussa")
    first_response_record(actor=caseworker_a, case=given, seen_version=given.version)
    Case.objects.filter(pk=late.pk).update(
        first_response_due_at=timezone.now() - timedelta(hours=2)
    )
    client.force_login(caseworker_a)
    html = client.get(reverse("cases:my_day")).content.decode()
    section = html[html.index('id="first-responses"') :]
    section = section[: section.index("</section>")]
    assert late.reference in section and soon.reference in section
    assert given.reference not in section
    assert section.index(late.reference) < section.index(soon.reference)
    assert "overdue" in section


def test_an_overdue_first_response_of_a_high_risk_case_is_escalated_once(
    register_case: Any, caseworker_a: User, supervisor_a: User
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        case = register_case(risk_level="high")
        refresh_deadlines.call()
        assert not Notification.objects.filter(kind=NotificationKind.FIRST_RESPONSE_OVERDUE)
        clock.shift(timedelta(hours=25))
        result = refresh_deadlines.call()
        refresh_deadlines.call()
    assert (result["first_responses_overdue"], result["first_responses_escalated"]) == (1, 1)
    told = Notification.objects.filter(kind=NotificationKind.FIRST_RESPONSE_OVERDUE)
    assert sorted(n.recipient.username for n in told) == ["caseworker_a", "supervisor_a"]
    case.refresh_from_db()
    assert case.first_response_escalated_at is not None
    event = AuditEvent.objects.get(case_id=case.pk, changes__has_key="first_response_escalated_at")
    assert event.actor_label == "system"


def test_an_overdue_first_response_of_a_low_risk_case_tells_the_lead_only(
    register_case: Any, caseworker_a: User, supervisor_a: User
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        case = register_case(risk_level="low")
        clock.shift(timedelta(days=8))
        refresh_deadlines.call()
    told = Notification.objects.filter(kind=NotificationKind.FIRST_RESPONSE_OVERDUE)
    assert [n.recipient for n in told] == [caseworker_a]
    case.refresh_from_db()
    assert case.first_response_overdue_since is not None
    assert case.first_response_escalated_at is None


# --- reopened and ageing out on the case page -------------------------------------------


def test_a_reopened_case_says_so_with_the_date(
    client: Any, case_a: Case, caseworker_a: User, supervisor_a: User, monkeypatch: Any
) -> None:
    monkeypatch.setattr(lifecycle, "_GUARDS", lifecycle.defaultdict(list))
    for actor, name, reason in (
        (caseworker_a, "request_closure", ""),
        (supervisor_a, "approve_closure", ""),
        (supervisor_a, "reopen", "A new concern reported by the school"),
    ):
        case_a.refresh_from_db()
        case_transition(
            actor=actor, case=case_a, name=name, seen_version=case_a.version, reason=reason
        )
    case_a.refresh_from_db()
    assert case_a.stage == Stage.ASSESSMENT and case_a.reopened_at is not None
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    when = case_a.reopened_at
    assert "Reopened on" in page
    assert f"{when:%m}/{when:%d}" in page or f"{when:%d}/{when:%m}" in page


def test_a_child_ageing_out_is_shown_with_the_birthday(
    client: Any, register_case: Any, caseworker_a: User
) -> None:
    with time_machine.travel(date(2026, 11, 22), tick=False):
        case = register_case(age_estimate=None, date_of_birth=date(2009, 3, 1))
        refresh_deadlines.call()
        client.force_login(caseworker_a)
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-marks"' in page
    assert "Ageing out: turns 18 on" in page
    assert "03/01/2027" in page or "01/03/2027" in page
