"""Helpers for plan tests: a case with a decided solution, a prepared return, a follow-up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from kinlink.care.models import LegalProcedure, ProcedureType
from kinlink.cases.models import Case, Stage
from kinlink.cases.services import case_facts_update
from kinlink.plans import services


def reload(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def decide(case: Any, solution: str = "return", claim: str | None = None, **facts: Any) -> Any:
    """Set the hub facts other apps keep: the decided solution, the child heard and the family
    verified (SG-10) by default; `claim` records an asylum claim in that status, as the
    legal-procedures record does."""
    if claim is not None:
        LegalProcedure.objects.update_or_create(
            case=case,
            procedure_type=ProcedureType.ASYLUM,
            defaults={
                "authority": "Asylum office",
                "lodged_on": timezone.localdate() - timedelta(days=30),
                "status": claim,
                "status_changed_at": timezone.now(),
            },
        )
    values: dict[str, Any] = {
        "decided_solution": solution,
        "child_views_recorded_at": timezone.now(),
        "family_verified_at": timezone.now(),
    }
    values.update(facts)
    return case_facts_update(actor=None, case=case, **values)


def move_to(case: Any, stage: str) -> Any:
    """Put the case at a step directly: the steps before are other apps' business."""
    Case.objects.filter(pk=case.pk).update(stage=stage, previous_stage=Stage.FOLLOW_UP)
    return reload(case)


def return_ready(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "risk_assessed_on": today - timedelta(days=3),
        "risk_result": "safe",
        "risk_assessed_by": "Receiving social worker, Khartoum",
        "risk_conditions": "",
        "carer_name": "Fatima El Amine",
        "carer_relationship": "Aunt",
        "carer_agreed_on": today - timedelta(days=2),
        "reception_agency": "Child Welfare Council Khartoum",
        "reception_confirmed_on": today - timedelta(days=1),
        "reception_reference": "CWC-2026-118",
    }
    values.update(overrides)
    return values


def prepare_return(case: Any, actor: Any, **overrides: Any) -> Any:
    return services.return_preparation_save(actor=actor, case=case, **return_ready(**overrides))


def closure_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "reason": "goals_met",
        "goals_met_or_explained": True,
        "child_safe": True,
        "carer_name": "Fatima El Amine",
        "carer_relationship": "Aunt",
        "carer_address": "12 Nile Street, Khartoum",
        "follow_up_completed": True,
        "child_informed": True,
    }
    values.update(overrides)
    return values


def follow_up(case: Any, actor: Any, start_on: date | None = None, **overrides: Any) -> Any:
    """A follow-up plan (after reunification by default) on a case whose return is decided."""
    if not case.decided_solution:
        decide(case, "return")
    values: dict[str, Any] = {
        "template": "after_reunification",
        "start_on": start_on or timezone.localdate(),
        "owner": actor,
    }
    values.update(overrides)
    return services.follow_up_plan_create(actor=actor, case=case, **values)


@pytest.fixture
def supervisor_a2(agency: Any, team_a: Any) -> Any:
    return make_user("supervisor_a2", "supervisor", agency, [team_a])


@pytest.fixture
def guardian_on_case(case_a: Any, supervisor_a: Any, guardian: Any) -> Any:
    from kinlink.cases.services import case_assign

    case_a.refresh_from_db()
    case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    return guardian
