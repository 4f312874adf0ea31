"""What the system writes reads in each reader's language, whoever wrote it and in which
language; what a person typed stays as typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kinlink.accounts.models import User
from kinlink.accounts.services import user_set_language
from kinlink.cases.models import Case, Task, TaskKind
from kinlink.cases.workflow import task_open

pytestmark = pytest.mark.django_db

GUARDIAN_TASK = "Have a guardian appointed"


def translation_of(text: str, language: str) -> str:
    with translation.override(language):
        result = gettext(text)
    if result == text:
        pytest.skip(f"no compiled {language} catalogue (run `make messages`)")
    return result


def page_in(client: Any, user: User, language: str, url: str) -> str:
    user_set_language(user=user, language=language)
    client.force_login(User.objects.get(pk=user.pk))
    return client.get(url).content.decode()


def test_a_task_opened_in_french_reads_in_spanish_to_a_spanish_reader(
    client: Any, register_case: Any, caseworker_a: User
) -> None:
    with translation.override("fr"):
        case = register_case()  # an unaccompanied child: the guardian task opens
    task = Task.objects.get(case=case, kind=TaskKind.GUARDIAN)
    assert task.title == GUARDIAN_TASK
    assert task.title_params == {}
    spanish = translation_of(GUARDIAN_TASK, "es")
    html = page_in(client, caseworker_a, "es", reverse("cases:detail", args=[case.pk]))
    assert spanish in html
    assert translation_of(GUARDIAN_TASK, "fr") not in html


def test_a_title_with_a_translated_part_reads_whole_in_the_readers_language(
    case_a: Case, caseworker_a: User
) -> None:
    from kinlink.care import services as care

    plan = care.support_plan_create(
        actor=caseworker_a,
        case=case_a,
        concerns="Schooling",
        review_on=timezone.localdate() + timedelta(days=90),
    )
    with translation.override("ar"):
        goal = care.goal_add(
            actor=caseworker_a,
            plan=plan,
            area="education",
            description="Enrol in school",
            owner=caseworker_a,
            due_on=timezone.localdate() + timedelta(days=30),
        )
    task = Task.objects.get(source_id=goal.pk)
    assert task.title == "Support plan goal: %(area)s"
    assert task.title_params == {"area": {"msgid": "Education"}}
    with translation.override("en"):
        assert task.display_title == "Support plan goal: Education"
    french = translation_of("Support plan goal: %(area)s", "fr") % {
        "area": translation_of("Education", "fr")
    }
    with translation.override("fr"):
        assert task.display_title == french


def test_a_typed_title_stays_as_typed_in_every_language(
    client: Any, case_a: Case, caseworker_a: User
) -> None:
    task = task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Appeler l'école",
        due_at=timezone.now() + timedelta(days=1),
        owner=caseworker_a,
    )
    assert task.title_params is None
    html = page_in(client, caseworker_a, "es", reverse("cases:my_day"))
    assert "Appeler l&#x27;école" in html


def test_the_system_is_named_in_the_readers_language_in_the_history(
    client: Any, supervisor_a: User, caseworker_a: User, case_a: Case
) -> None:
    from kinlink.cases.jobs import refresh_deadlines

    task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Medical check",
        due_at=timezone.now() - timedelta(hours=1),
        owner=caseworker_a,
    )
    refresh_deadlines.call()  # the job flags the task overdue, as "system"
    system = translation_of("system", "fr")
    html = page_in(client, supervisor_a, "fr", reverse("cases:history", args=[case_a.pk]))
    assert f"· {system} ·" in html


def test_an_action_plan_line_of_the_template_reads_in_the_readers_language(
    case_a: Case, caseworker_a: User
) -> None:
    from kinlink.cases.services import case_facts_update
    from kinlink.plans import services as plans

    case_facts_update(actor=None, case=case_a, decided_solution="host")
    with translation.override("fr"):
        plan = plans.action_plan_create(actor=caseworker_a, case=case_a)
    item = plan.items.get(position=0)
    assert (item.title, item.title_from_template) == ("Secure residence status", True)
    task = Task.objects.get(source_id=item.pk)
    spanish = translation_of("Secure residence status", "es")
    with translation.override("es"):
        assert item.display_title == task.display_title == spanish
    # Saved back unchanged from a French page, the line stays the template's.
    with translation.override("fr"):
        plans.action_plan_item_update(
            actor=caseworker_a,
            item=item,
            seen_version=item.version,
            title=item.display_title,
            due_on=item.due_on,
            owner=caseworker_a,
        )
    item.refresh_from_db()
    assert (item.title, item.title_from_template) == ("Secure residence status", True)
    # Retitled, it is the caseworker's own words.
    plans.action_plan_item_update(
        actor=caseworker_a,
        item=item,
        seen_version=item.version,
        title="Titre de séjour : rendez-vous à la préfecture",
        due_on=item.due_on,
        owner=caseworker_a,
    )
    item.refresh_from_db()
    task.refresh_from_db()
    assert not item.title_from_template
    assert task.title_params is None
    with translation.override("es"):
        assert task.display_title == "Titre de séjour : rendez-vous à la préfecture"
