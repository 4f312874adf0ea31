"""Helpers for care tests: a case heard, its guardian assigned, a place to live."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kinlink.care import services
from kinlink.cases.models import Case
from kinlink.cases.services import case_assign, case_facts_update


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def place(case: Any, actor: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "care_type": "reception",
        "carer_name": "Centre Al Amal",
        "address": "12 rue de Fès, Tangier",
        "country": "MA",
        "legal_basis": "administrative",
        "start_date": days_ago(10),
    }
    values.update(overrides)
    return services.care_arrangement_start(actor=actor, case=case, **values)


def appoint(case: Any, actor: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "guardian_name": "Salma Bennani",
        "organisation": "Association Tanmia",
        "appointing_authority": "Tribunal de première instance, Tanger",
        "legal_basis": "court_order",
        "appointed_on": days_ago(2),
        "languages": ["ara", "fra"],
    }
    values.update(overrides)
    return services.guardian_appoint(actor=actor, case=case, **values)


def hear(case: Any) -> Any:
    return case_facts_update(actor=None, case=case, child_views_recorded_at=timezone.now())


def fresh(case: Any) -> Any:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def guarded_case(case_a: Any, supervisor_a: Any, guardian: Any) -> Any:
    """case_a with the guardian persona assigned by the supervisor."""
    return case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
