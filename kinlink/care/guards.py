"""Safeguards this app adds to the case lifecycle (kinlink.cases.lifecycle.guard).

Importing this module (from AppConfig.ready) also registers, through `services`, the
guardian request at registration (a `case_registered` receiver) and the support-plan approval
handler, and here the case-page panel.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kinlink.care import services  # registers the receiver and the approval handler
from kinlink.care.selectors import panel_context
from kinlink.cases.lifecycle import Refusal, guard
from kinlink.cases.models import Case, GuardianshipStatus, TaskKind
from kinlink.cases.panels import Panel, register_panel
from kinlink.cases.workflow import register_task_form


@guard("start_immediate_care")
def child_has_a_place_tonight(case: Case) -> Refusal | None:
    """T4 / SG-01: immediate care starts once a safe place (never detention) is recorded."""
    if services.current_arrangement_exists(case):
        return None
    return Refusal(
        _("Record where the child stays tonight."), reverse("care:care_start", args=[case.pk])
    )


@guard("start_solution_determination", "implement_solution")
def guardian_appointed(case: Case) -> Refusal | None:
    """SG-03: no best-interests decision for an unaccompanied or separated child without an
    appointed guardian or person of reference, or an exception approved by a supervisor."""
    if (
        not services.needs_guardian(case)
        or case.guardianship_status == GuardianshipStatus.APPOINTED
        or case.guardian_exception_at is not None
    ):
        return None
    return Refusal(
        _("Appoint a guardian or person of reference before a best-interests decision."),
        reverse("care:guardian_appoint", args=[case.pk]),
    )


register_panel(
    Panel(key="care", order=20, template="care/partials/panel.html", context=panel_context)
)
# SG-14: the transition-to-adulthood task is done by recording the plan, never by "Done".
register_task_form(TaskKind.TRANSITION_PLAN, "care:transition_plan")
