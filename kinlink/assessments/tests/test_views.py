"""Pages of assessments: who gets what from every URL, forms, and bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kinlink.assessments import services
from kinlink.assessments.models import AgeAssessment, BIDStatus, ChildViews
from kinlink.assessments.tests.conftest import decision, hear_child, reload, write_assessment
from kinlink.cases.services import case_facts_update

pytestmark = pytest.mark.django_db

PERSONAS = [
    "caseworker_a",
    "supervisor_a",
    "caseworker_b",
    "guardian",
    "analyst",
    "node_admin",
    "outsider",
]
EDITORS = {"caseworker_a", "supervisor_a"}
READERS = EDITORS | {"guardian"}


@pytest.fixture
def records(case_a: Any, caseworker_a: Any, ready_bid: Any) -> dict[str, Any]:
    assessment = write_assessment(case_a, caseworker_a)
    age = services.age_assessment_request(
        actor=caseworker_a,
        case=reload(case_a),
        reason_for_doubt="Police report states he is 19; documents contradict each other.",
        child_consent=True,
        guardian_consent=True,
        methods=["documents"],
        assessors="Social worker",
    )
    return {"assessment": assessment, "age": age, "bid": ready_bid}


def routes(case: Any, records: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    """(name, url, personas who get 200 from a GET); POST-only routes answer 405 to a GET."""
    c, a, g, b = case.pk, records["assessment"].pk, records["age"].pk, records["bid"].pk
    form = [
        ("views_add", [c]),
        ("assessment_add", [c]),
        ("assessment_edit", [c, a]),
        ("risk_add", [c]),
        ("age_add", [c]),
        ("age_update", [c, g]),
        ("tracing_update", [c]),
        ("family_add", [c]),
        ("trafficking_add", [c]),
        ("bid_start", [c]),
    ]
    read = [("assessment_detail", [c, a]), ("bid_detail", [c, b])]
    post = [
        ("assessment_submit", [c, a]),
        ("bid_option_add", [c, b]),
        ("bid_member_add", [c, b]),
        ("bid_submit", [c, b]),
        ("bid_decide", [c, b]),
        ("bid_defer", [c, b]),
    ]
    return (
        [(n, reverse(f"assessments:{n}", args=args), EDITORS) for n, args in form]
        + [(n, reverse(f"assessments:{n}", args=args), READERS) for n, args in read]
        + [(n, reverse(f"assessments:{n}", args=args), set()) for n, args in post]
    )


POST_ONLY = {
    "assessment_submit",
    "bid_option_add",
    "bid_member_add",
    "bid_submit",
    "bid_decide",
    "bid_defer",
}


def test_every_url_answers_each_persona_as_the_policy_says(
    client: Any, request: Any, case_a: Any, records: dict[str, Any], guardian_on_case: Any
) -> None:
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    for name, url, allowed in routes(case_a, records):
        client.logout()
        response = client.get(url)
        assert response.status_code == 302, name
        assert "/login" in response["Location"] or "login" in response["Location"], name
        for persona, user in people.items():
            client.force_login(user)
            status = client.get(url).status_code
            expected = 405 if name in POST_ONLY else 200 if persona in allowed else 404
            assert status == expected, (name, persona, status)


def test_out_of_scope_posts_answer_404_and_change_nothing(
    client: Any,
    request: Any,
    case_a: Any,
    records: dict[str, Any],
    guardian_on_case: Any,
) -> None:
    for persona in ["caseworker_b", "analyst", "node_admin", "outsider", "guardian"]:
        client.force_login(request.getfixturevalue(persona))
        for name, url, _allowed in routes(case_a, records):
            if name in {"assessment_detail", "bid_detail"}:
                continue  # read-only pages take no POST (405)
            assert client.post(url, {}).status_code == 404, (url, persona)
    assert reload(records["bid"]).status == BIDStatus.OPEN


def test_a_guardian_reads_the_bid_page_but_cannot_decide(
    client: Any, case_a: Any, ready_bid: Any, guardian_on_case: Any
) -> None:
    client.force_login(guardian_on_case)
    url = reverse("assessments:bid_detail", args=[case_a.pk, ready_bid.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Wants to become a mechanic." in page.content  # the child's views beside it
    assert reverse("assessments:bid_decide", args=[case_a.pk, ready_bid.pk]).encode() not in (
        page.content
    )
    post = {
        "decide-version": ready_bid.version,
        **{f"decide-{k}": v for k, v in decision().items()},
    }
    response = client.post(reverse("assessments:bid_decide", args=[case_a.pk, ready_bid.pk]), post)
    assert response.status_code == 404
    assert reload(ready_bid).status == BIDStatus.OPEN


def test_a_decision_posted_by_the_report_author_shows_the_reason_and_saves_nothing(
    client: Any, case_a: Any, caseworker_a: Any, ready_bid: Any
) -> None:
    client.force_login(caseworker_a)
    values = decision()
    post = {"decide-version": ready_bid.version}
    for key, value in values.items():
        post[f"decide-{key}"] = value.isoformat() if hasattr(value, "isoformat") else value
    response = client.post(reverse("assessments:bid_decide", args=[case_a.pk, ready_bid.pk]), post)
    assert response.status_code == 200
    assert b"author of the report cannot decide" in response.content
    assert reload(ready_bid).status == BIDStatus.OPEN


def test_a_decision_posted_by_the_supervisor_is_recorded(
    client: Any, case_a: Any, supervisor_a: Any, ready_bid: Any
) -> None:
    client.force_login(supervisor_a)
    post = {"decide-version": ready_bid.version}
    for key, value in decision().items():
        post[f"decide-{key}"] = value.isoformat() if hasattr(value, "isoformat") else value
    response = client.post(reverse("assessments:bid_decide", args=[case_a.pk, ready_bid.pk]), post)
    assert response.status_code == 302
    assert reload(ready_bid).status == BIDStatus.DECIDED


def test_the_views_form_shows_a_message_beside_the_field_and_saves_nothing(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    url = reverse("assessments:views_add", args=[case_a.pk])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url,
        {
            "heard_on": tomorrow.isoformat(),
            "method": "interview",
            "language": "ara",
            "maturity_note": "Mature",
            "wishes_future": "School",
        },
    )
    assert response.status_code == 200
    assert b"cannot be in the future" in response.content
    assert not ChildViews.objects.exists()
    good = client.post(
        url,
        {
            "heard_on": timezone.localdate().isoformat(),
            "method": "interview",
            "language": "ara",
            "maturity_note": "Mature",
            "wishes_future": "School",
        },
    )
    assert good.status_code == 302
    assert ChildViews.objects.count() == 1


def test_the_age_request_form_refuses_without_consent(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = client.post(
        reverse("assessments:age_add", args=[case_a.pk]),
        {
            "reason_for_doubt": "Police report states he is 19; serious doubt.",
            "guardian_consent": "on",
            "methods": ["documents"],
            "assessors": "Social worker",
        },
    )
    assert response.status_code == 200
    assert b"child&#x27;s consent must be recorded" in response.content
    assert not AgeAssessment.objects.exists()


def test_sending_an_assessment_before_hearing_the_child_says_where_to_go(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    assessment = write_assessment(case_a, caseworker_a)
    client.force_login(caseworker_a)
    response = client.post(
        reverse("assessments:assessment_submit", args=[case_a.pk, assessment.pk]), follow=True
    )
    assert b"Record the child&#x27;s views first" in response.content


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_records(case: Any, actor: Any, count: int) -> None:
    for number in range(count):
        hear_child(reload(case), actor)
        write_assessment(case, actor)
        services.risk_reassess(
            actor=actor,
            case=reload(case),
            new_level=["low", "medium"][number % 2],
            reasons="Reviewed at the shelter.",
            next_review_on=timezone.localdate() + timedelta(days=30 + number),
        )
        services.family_evaluation_record(
            actor=actor,
            case=case,
            who_was_met="Mother",
            home_conditions="Fine",
            capacity="Able",
            evaluator_name="Awa",
            evaluator_agency="ISS",
            evaluated_on=timezone.localdate(),
            recommendation="reunification",
        )
        services.trafficking_concern_record(
            actor=actor,
            case=case,
            indicators="Indicators of forced labour.",
            referred_on=timezone.localdate(),
            referred_to="NRM",
        )


def test_the_case_page_costs_the_same_with_1_and_with_8_records_of_each(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        url = reverse("cases:detail", args=[case_a.pk])
        client.force_login(caseworker_a)
        _add_records(case_a, caseworker_a, 1)
        client.get(url)
        with_1 = _queries(client, url)
        _add_records(case_a, caseworker_a, 7)
        with_8 = _queries(client, url)
    assert with_8 == with_1


def test_the_bid_page_costs_the_same_with_more_options_and_members(
    client: Any, case_a: Any, caseworker_a: Any, ready_bid: Any
) -> None:
    from kinlink.assessments.tests.conftest import seat_panel

    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        url = reverse("assessments:bid_detail", args=[case_a.pk, ready_bid.pk])
        client.force_login(caseworker_a)
        client.get(url)
        before = _queries(client, url)
        seat_panel(ready_bid, caseworker_a, count=4, prefix="Adviser")
        services.bid_option_add(actor=caseworker_a, bid=ready_bid, solution="third_country")
        hear_child(case_a, caseworker_a)
        after = _queries(client, url)
    assert after == before


def test_an_edit_of_an_assessment_is_audited_as_a_change_without_its_encrypted_text(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    from kinlink.audit.models import AuditEvent
    from kinlink.audit.services import REDACTED

    assessment = write_assessment(case_a, caseworker_a)
    client.force_login(caseworker_a)
    url = reverse("assessments:assessment_edit", args=[case_a.pk, assessment.pk])
    response = client.post(
        url,
        {
            "version": assessment.version,
            "kind": "comprehensive",
            "completed_on": timezone.localdate().isoformat(),
            "safety": "Safe at the shelter.",
            "health": "Seen by a doctor; asthma treated.",
            "recommendation": "Temporary care in a small group home.",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_id=str(assessment.pk), action="update").get()
    # The narrative is encrypted at rest; the audit trail keeps that it changed, not the text.
    assert event.changes["health"] == [REDACTED, REDACTED]
    assert "asthma" not in str(event.changes)
    assert "safety" not in event.changes


def test_the_submit_button_sends_the_determination_to_the_supervisors(
    client: Any, case_a: Any, caseworker_a: Any
) -> None:
    from kinlink.cases.models import Approval

    hear_child(case_a, caseworker_a)
    case_facts_update(actor=None, case=case_a, guardianship_status="appointed")
    bid = services.bid_open(actor=caseworker_a, case=case_a, report="BID report text.")
    client.force_login(caseworker_a)
    page = reverse("assessments:bid_detail", args=[case_a.pk, bid.pk])
    submit = reverse("assessments:bid_submit", args=[case_a.pk, bid.pk])
    assert submit.encode() in client.get(page).content
    response = client.post(submit, follow=True)
    assert b"at least one option" in response.content
    assert not Approval.objects.exists()
    services.bid_option_add(actor=caseworker_a, bid=bid, solution="host")
    response = client.post(submit, follow=True)
    assert Approval.objects.get().subject == "bid_submission"
    assert b"Waiting for a supervisor" in response.content
