"""Pages of care, guardianship, the support plan and legal procedures. Thin: the case comes
from the policy (`case_for_edit`: 404 outside the editor's scope, so a guardian only reads the
panel), the form validates, a service writes, its messages show beside the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.forms.models import model_to_dict
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kinlink.care import services
from kinlink.care.forms import (
    CareEndForm,
    CareStartForm,
    DetentionEndForm,
    DetentionForm,
    GoalForm,
    GuardianEndForm,
    GuardianExceptionForm,
    GuardianForm,
    GuardianReplaceForm,
    LegalProcedureForm,
    SupportPlanForm,
    TransitionPlanForm,
)
from kinlink.care.models import (
    CareArrangement,
    DetentionRecord,
    Goal,
    GuardianshipState,
    LegalProcedure,
    SupportPlan,
    TransitionPlan,
)
from kinlink.cases.models import AssignmentRole, Case
from kinlink.cases.panels import CHILD_VIEWS, aside_for
from kinlink.cases.policies import assignable_users
from kinlink.cases.selectors import case_for_edit
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest

STALE = gettext_lazy("Someone changed this record meanwhile; look again and retry.")
FORM = "care/form.html"


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk]) + "#care"


def _form_page(
    request: AuthenticatedRequest,
    case: Case,
    form: BaseForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    title: Promise,
    done: Promise,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save`, and a refusal shows beside the fields
    with nothing saved. A version that is missing or not a number (a hidden field, so never
    the user's typing) is answered as a stale edit."""
    if request.method == "POST" and "version" in form.fields and "version" in form.errors:
        messages.error(request, str(STALE))
        return HttpResponseRedirect(request.path)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except StaleEdit:
            messages.error(request, str(STALE))
            return HttpResponseRedirect(request.path)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, str(done))
            return HttpResponseRedirect(_case_url(case))
    context = {"case": case, "form": form, "title": title, **(extra or {})}
    return render(request, FORM, context)


def _with_views(request: AuthenticatedRequest, case: Case) -> dict[str, Any]:
    """The child's views beside a form that must weigh them (SG-04)."""
    return aside_for(CHILD_VIEWS, case, request.user)


def _posted_version(request: AuthenticatedRequest) -> int | None:
    """The record version a button posted; None when missing or not a number, which is
    answered as a stale edit (look again and retry) rather than an error page."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


# --- care arrangements -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def care_start(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = CareStartForm(request.POST or None)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.care_arrangement_start(actor=user, case=case, **data),
        title=gettext_lazy("Where the child lives"),
        done=gettext_lazy("Care arrangement recorded."),
        extra={"detention_hint": True},
    )


@require_http_methods(["GET", "POST"])
def care_end(request: AuthenticatedRequest, case_id: UUID, arrangement_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    arrangement = get_object_or_404(CareArrangement, pk=arrangement_id, case=case)
    form = CareEndForm(request.POST or None, initial={"version": arrangement.version})
    return _form_page(
        request,
        case,
        form,
        lambda data: services.care_arrangement_end(
            actor=user,
            arrangement=arrangement,
            seen_version=data["version"],
            end_date=data["end_date"],
            end_reason=data["end_reason"],
        ),
        title=gettext_lazy("End the care arrangement"),
        done=gettext_lazy("Care arrangement ended."),
    )


# --- detention -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def detention_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = DetentionForm(request.POST or None)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.detention_record(actor=user, case=case, **data),
        title=gettext_lazy("Report detention"),
        done=gettext_lazy("Detention recorded; the supervisors and the guardian are alerted."),
    )


@require_http_methods(["GET", "POST"])
def detention_end(request: AuthenticatedRequest, case_id: UUID, detention_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    detention = get_object_or_404(DetentionRecord, pk=detention_id, case=case)
    form = DetentionEndForm(request.POST or None, initial={"version": detention.version})
    return _form_page(
        request,
        case,
        form,
        lambda data: services.detention_end(
            actor=user,
            detention=detention,
            seen_version=data["version"],
            ended_on=data["ended_on"],
        ),
        title=gettext_lazy("Record the release from detention"),
        done=gettext_lazy("Release recorded."),
    )


# --- guardianship ----------------------------------------------------------------------


@require_POST
def guardian_request(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    try:
        services.guardian_request(actor=user, case=case)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Guardian requested."))
    return HttpResponseRedirect(_case_url(case))


@require_http_methods(["GET", "POST"])
def guardian_appoint(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Appoint a guardian; with one already appointed, the same page replaces them."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    current = services.current_guardianship(case)
    guardians = assignable_users(case, AssignmentRole.GUARDIAN).order_by("full_name")
    if current is not None and current.status == GuardianshipState.APPOINTED:
        replace = GuardianReplaceForm(
            request.POST or None, guardians=guardians, initial={"version": current.version}
        )
        return _form_page(
            request,
            case,
            replace,
            lambda data: services.guardian_replace(
                actor=user, case=case, seen_version=data.pop("version"), **data
            ),
            title=gettext_lazy("Replace the guardian"),
            done=gettext_lazy("New guardian appointed."),
            extra={"guardianship": current},
        )
    form = GuardianForm(request.POST or None, guardians=guardians)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.guardian_appoint(actor=user, case=case, **data),
        title=gettext_lazy("Appoint a guardian or person of reference"),
        done=gettext_lazy("Guardian appointed."),
    )


@require_http_methods(["GET", "POST"])
def guardian_end(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    current = services.current_guardianship(case)
    form = GuardianEndForm(
        request.POST or None, initial={"version": current.version if current else 0}
    )
    return _form_page(
        request,
        case,
        form,
        lambda data: services.guardian_end(
            actor=user, case=case, seen_version=data.pop("version"), **data
        ),
        title=gettext_lazy("End the guardianship"),
        done=gettext_lazy("Guardianship ended."),
        extra={"guardianship": current},
    )


@require_http_methods(["GET", "POST"])
def guardian_exception(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Ask a supervisor to let decisions go ahead without a guardian, with the reason (SG-03)."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        GuardianExceptionForm(request.POST or None),
        lambda data: services.guardian_exception_request(actor=user, case=case, **data),
        title=gettext_lazy("Decisions without a guardian"),
        done=gettext_lazy("The exception waits for a supervisor's approval."),
    )


@require_http_methods(["GET", "POST"])
def transition_plan(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """The plan for the 18th birthday; saving it completes its task (SG-14)."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = TransitionPlan.objects.filter(case=case).first()
    initial = (
        model_to_dict(plan, fields=services.TRANSITION_FIELDS) | {"version": plan.version}
        if plan
        else {}
    )
    form = TransitionPlanForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.transition_plan_record(
            actor=user, case=case, seen_version=data.pop("version"), **data
        ),
        title=gettext_lazy("Transition to adulthood"),
        done=gettext_lazy("Transition plan saved; its task is done."),
        extra=_with_views(request, case),
    )


# --- support plan ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Open the support plan, or review it."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = SupportPlan.objects.filter(case=case).first()
    if plan is None:
        form = SupportPlanForm(request.POST or None)
        return _form_page(
            request,
            case,
            form,
            lambda data: services.support_plan_create(
                actor=user, case=case, **_without(data, "version")
            ),
            title=gettext_lazy("Individual support plan"),
            done=gettext_lazy("Support plan opened."),
            extra=_with_views(request, case),
        )
    initial = model_to_dict(plan, fields=services.PLAN_FIELDS) | {"version": plan.version}
    form = SupportPlanForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.support_plan_update(
            actor=user, plan=plan, seen_version=data.pop("version") or 0, **data
        ),
        title=gettext_lazy("Individual support plan"),
        done=gettext_lazy("Support plan saved."),
        extra=_with_views(request, case),
    )


@require_POST
def plan_submit(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = get_object_or_404(SupportPlan, case=case)
    try:
        services.support_plan_submit(actor=user, plan=plan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The plan waits for a supervisor's approval."))
    return HttpResponseRedirect(_case_url(case))


@require_http_methods(["GET", "POST"])
def goal_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = SupportPlan.objects.filter(case=case).first()
    if plan is None:
        # Goals belong to a plan: the plan's own form comes first.
        messages.info(request, _("Open the support plan first; then add its goals."))
        return plan_edit(request, case_id)
    form = GoalForm(
        request.POST or None, owners=services.goal_owners(case), initial={"owner": user.pk}
    )
    return _form_page(
        request,
        case,
        form,
        lambda data: services.goal_add(actor=user, plan=plan, **data),
        title=gettext_lazy("Add a goal to the support plan"),
        done=gettext_lazy("Goal added."),
        extra=_with_views(request, case),
    )


@require_POST
def goal_complete(request: AuthenticatedRequest, case_id: UUID, goal_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    goal = get_object_or_404(Goal, pk=goal_id, plan__case=case)
    seen_version = _posted_version(request)
    if seen_version is None:
        messages.error(request, str(STALE))
        return HttpResponseRedirect(_case_url(case))
    try:
        services.goal_complete(actor=user, goal=goal, seen_version=seen_version)
    except StaleEdit:
        messages.error(request, str(STALE))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Goal achieved."))
    return HttpResponseRedirect(_case_url(case))


# --- legal procedures ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def legal_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = LegalProcedureForm(request.POST or None)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.legal_procedure_add(
            actor=user, case=case, **_without(data, "version")
        ),
        title=gettext_lazy("Record a legal procedure"),
        done=gettext_lazy("Legal procedure recorded."),
    )


@require_http_methods(["GET", "POST"])
def legal_edit(request: AuthenticatedRequest, case_id: UUID, procedure_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    procedure = get_object_or_404(LegalProcedure, pk=procedure_id, case=case)
    initial = model_to_dict(procedure, fields=services.PROCEDURE_FIELDS) | {
        "version": procedure.version
    }
    form = LegalProcedureForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.legal_procedure_update(
            actor=user,
            procedure=procedure,
            seen_version=data.pop("version") or 0,
            **data,
        ),
        title=gettext_lazy("Update the legal procedure"),
        done=gettext_lazy("Legal procedure saved."),
    )
