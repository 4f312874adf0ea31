"""The demonstration node loads on an empty database, through the services, with every step
and the caseloads the README promises."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kinlink.accounts.models import Team, User
from kinlink.audit.models import AuditEvent
from kinlink.audit.services import verify_chain
from kinlink.care.models import LegalProcedure
from kinlink.cases.models import Case, CaseType, MissingReport, Stage
from kinlink.cases.policies import visible_cases
from kinlink.directory.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("load_demo", verbosity=0)


def test_it_loads_forty_children_of_every_case_type_at_every_step_some_on_hold(
    demo: None,
) -> None:
    # One load for all of these: the demo takes seconds to write.
    stages = Counter(Case.objects.values_list("stage", flat=True))
    assert sum(stages.values()) == 40
    assert set(stages) == set(Stage.values)
    assert set(Case.objects.values_list("case_type", flat=True)) == set(CaseType.values)
    holds = set(Case.objects.exclude(hold="").values_list("hold", flat=True))
    assert {"missing", "suspended"} <= holds
    missing = Case.objects.get(hold="missing")
    assert MissingReport.objects.filter(case=missing, found_at__isnull=True).exists()
    assert Case.objects.filter(tracing_status="in_progress").exists()
    assert LegalProcedure.objects.filter(status="applied").exists()


def test_cases_past_the_decision_were_taken_there_by_the_moves(demo: None) -> None:
    later = Case.objects.filter(
        stage__in=[Stage.IMPLEMENTATION, Stage.FOLLOW_UP, Stage.CLOSURE_REQUESTED, Stage.CLOSED]
    )
    assert later.exists()
    for case in later:
        assert case.bids.filter(status="decided", submission_approved_at__isnull=False).exists()
        assert case.decided_solution in {"host", "return"}
    returns = later.filter(decided_solution="return")
    assert returns.exists()
    for case in returns:  # a return goes ahead only verified and prepared (SG-05, SG-10)
        assert case.family_verified_at is not None
        assert case.tracing_status == "verified"
        assert case.return_preparation.reception_confirmed


def test_each_persona_sees_the_caseload_the_readme_names(demo: None) -> None:
    seen = {u.username: visible_cases(u).count() for u in User.objects.all()}
    assert seen == {
        "amina": 27,
        "youssef": 27,
        "karim": 13,
        "fatima": 13,
        "salma": 5,
        "nadia": 0,
        "omar": 0,
    }


def test_the_demo_leaves_an_intact_audit_trail(demo: None) -> None:
    report = verify_chain()
    assert report.intact, report.problem
    assert report.checked > 500
    for row in [*Agency.objects.all(), *Team.objects.all()]:  # the set-up writes too
        assert AuditEvent.objects.filter(object_id=str(row.pk), action="create").exists(), row


def test_it_never_loads_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("load_demo", verbosity=0)
    assert not User.objects.exists()


def test_it_never_loads_into_a_node_that_has_data(demo: None) -> None:
    call_command("load_demo", verbosity=0)
    assert Case.objects.count() == 40


@pytest.mark.parametrize("args", [["--country", "GN"], ["--country", "FR", "--generic"]])
def test_a_network_nodes_agency_and_team_are_in_the_audit_trail(
    settings: Any, args: list[str]
) -> None:
    settings.DEMO_MODE = True
    call_command("load_network_node", *args, verbosity=0)
    for row in [
        *Agency.objects.filter(code__startswith=("demo" if "--generic" in args else "dne")),
        *Team.objects.all(),
    ]:
        event = AuditEvent.objects.get(object_id=str(row.pk), action="create")
        assert event.actor is None and event.actor_label == "system"


def test_the_demo_holds_tracing_requests_with_matches_to_review(demo: None) -> None:
    from kinlink.tracing.models import Suggestion, TracingRequest

    requests = {r.sought_given_name: r for r in TracingRequest.objects.all()}
    assert set(requests) == {"Usman", "Yohannes", "Kadiatou", "Alseny"}
    assert requests["Kadiatou"].status == "in_progress"
    assert requests["Alseny"].filed_by == "child" and requests["Alseny"].case is not None
    # The spelling differs from the registration, and the matcher still finds the child.
    for sought, (given, family) in {
        "Usman": ("Ousmane", "Camara"),
        "Yohannes": ("Yonas", "Tesfaye"),
    }.items():
        suggested = Suggestion.objects.filter(request=requests[sought], status="new")
        assert suggested.filter(case__given_name=given, case__family_name=family).exists()
