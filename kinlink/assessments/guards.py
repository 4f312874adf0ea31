"""Safeguards this app adds to the case lifecycle (kinlink.cases.lifecycle.guard).

Importing this module (from AppConfig.ready) also registers the assessment approval handler
(in `services`) and the case-page panel.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kinlink.assessments import services  # also registers the approval handler
from kinlink.assessments.models import (
    Assessment,
    BestInterestsDetermination,
    BIDStatus,
    FamilyEvaluation,
)
from kinlink.assessments.selectors import child_views_of, panel_context
from kinlink.cases.lifecycle import Refusal, guard
from kinlink.cases.models import Case, TracingStatus
from kinlink.cases.panels import CHILD_VIEWS, Aside, Panel, register_aside, register_panel


@guard("start_temporary_care")
def assessment_approved(case: Case) -> Refusal | None:
    """T6 / SG-04: temporary care is planned on an approved assessment, the child heard."""
    if case.child_views_recorded_at is None:
        message, where = services.views_missing_message(case)
        return Refusal(message, where)
    if not Assessment.objects.filter(case=case, approved_at__isnull=False).exists():
        return Refusal(
            _("An assessment must be approved by a supervisor first."),
            reverse("assessments:assessment_add", args=[case.pk]),
        )
    return None


@guard("start_solution_determination")
def family_evaluated_or_not_found(case: Case) -> Refusal | None:
    """T8: a solution is weighed once the family is evaluated, or tracing closed unfound."""
    if case.tracing_status == TracingStatus.CLOSED_NOT_FOUND:
        return None
    if FamilyEvaluation.objects.filter(case=case).exists():
        return None
    return Refusal(
        _("Record a family evaluation, or close tracing as not found, first."),
        reverse("assessments:family_add", args=[case.pk]),
    )


@guard("implement_solution")
def bid_decided(case: Case) -> Refusal | None:
    """T9: a solution is implemented only once a best-interests determination decided it."""
    if BestInterestsDetermination.objects.filter(case=case, status=BIDStatus.DECIDED).exists():
        return None
    return Refusal(
        _("A best-interests determination must be decided first."),
        reverse("assessments:bid_start", args=[case.pk]),
    )


register_panel(
    Panel(
        key="assessments",
        order=30,
        template="assessments/partials/panel.html",
        context=panel_context,
    )
)
# SG-04: what the child said, beside the plans and decisions that must weigh it.
register_aside(
    Aside(
        key=CHILD_VIEWS,
        template="assessments/partials/views_aside.html",
        context=lambda case, user: {"child_views": child_views_of(case)},
    )
)
