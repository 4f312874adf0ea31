"""A supervisor's comments when she sends a record back are read by the person who asked:
beside the record, on the case page, and in My day, which the notification links to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import Notification, NotificationKind, User
from kinlink.assessments import services as assessments
from kinlink.assessments.tests.conftest import (
    appoint_guardian,
    hear_child,
    seat_panel,
    write_assessment,
)
from kinlink.care import services as care
from kinlink.cases.models import Case
from kinlink.cases.workflow import approval_decide

pytestmark = pytest.mark.django_db

COMMENTS = "Describe the journey and the exploitation indicators first."


def page(client: Any, user: User, url: str) -> str:
    client.force_login(user)
    return client.get(url).content.decode()


def test_an_assessment_sent_back_shows_the_comments_to_its_author(
    client: Any, case_a: Case, caseworker_a: User, supervisor_a: User
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    approval = assessments.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(actor=supervisor_a, approval=approval, approve=False, comments=COMMENTS)

    detail = reverse("assessments:assessment_detail", args=[case_a.pk, assessment.pk])
    assert COMMENTS in page(client, caseworker_a, detail)
    assert COMMENTS in page(client, caseworker_a, reverse("cases:detail", args=[case_a.pk]))
    my_day = page(client, caseworker_a, reverse("cases:my_day"))
    assert 'id="sent-back"' in my_day and COMMENTS in my_day
    told = Notification.objects.get(recipient=caseworker_a, kind=NotificationKind.APPROVAL_DECIDED)
    assert told.link == reverse("cases:my_day") + "#sent-back"
    assert COMMENTS not in told.text  # free text never goes into a notification


def test_sent_back_comments_go_once_the_record_is_asked_for_again(
    client: Any, case_a: Case, caseworker_a: User, supervisor_a: User
) -> None:
    hear_child(case_a, caseworker_a)
    assessment = write_assessment(case_a, caseworker_a)
    approval = assessments.assessment_submit(actor=caseworker_a, assessment=assessment)
    approval_decide(actor=supervisor_a, approval=approval, approve=False, comments=COMMENTS)
    assessment.refresh_from_db()
    assessments.assessment_submit(actor=caseworker_a, assessment=assessment)
    assert COMMENTS not in page(client, caseworker_a, reverse("cases:my_day"))
    assert COMMENTS not in page(client, caseworker_a, reverse("cases:detail", args=[case_a.pk]))


def test_a_support_plan_sent_back_shows_the_comments_on_the_case_page(
    client: Any, case_a: Case, caseworker_a: User, supervisor_a: User
) -> None:
    hear_child(case_a, caseworker_a)
    plan = care.support_plan_create(
        actor=caseworker_a,
        case=case_a,
        concerns="Schooling and health",
        review_on=timezone.localdate() + timedelta(days=90),
    )
    care.goal_add(
        actor=caseworker_a,
        plan=plan,
        area="education",
        description="Enrol in school",
        owner=caseworker_a,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    plan.refresh_from_db()
    approval = care.support_plan_submit(actor=caseworker_a, plan=plan)
    approval_decide(actor=supervisor_a, approval=approval, approve=False, comments=COMMENTS)
    html = page(client, caseworker_a, reverse("cases:detail", args=[case_a.pk]))
    care_section = html[html.index('<section id="care">') :]
    assert COMMENTS in care_section[: care_section.index("</section>")]


def test_a_best_interests_submission_sent_back_shows_the_comments_beside_it(
    client: Any, case_a: Case, caseworker_a: User, supervisor_a: User
) -> None:
    hear_child(case_a, caseworker_a)
    appoint_guardian(case_a)
    bid = assessments.bid_open(actor=caseworker_a, case=case_a, report="Options compared here.")
    assessments.bid_option_add(actor=caseworker_a, bid=bid, solution="host")
    seat_panel(bid, caseworker_a)
    approval = assessments.bid_submit(actor=caseworker_a, bid=bid)
    approval_decide(actor=supervisor_a, approval=approval, approve=False, comments=COMMENTS)
    bid_page = page(
        client, caseworker_a, reverse("assessments:bid_detail", args=[case_a.pk, bid.pk])
    )
    assert COMMENTS in bid_page
    assert COMMENTS in page(client, caseworker_a, reverse("cases:detail", args=[case_a.pk]))
