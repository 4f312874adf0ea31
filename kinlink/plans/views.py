"""Pages of plans, follow-up and closure. Thin: the case comes from the policy (404 outside
scope; every page here writes, so it needs edit rights), then a form and a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import Case
from kinlink.cases.panels import CHILD_VIEWS, aside_for
from kinlink.cases.selectors import case_for_edit
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest
from kinlink.plans import selectors, services
from kinlink.plans.forms import (
    ActionPlanCreateForm,
    ActionPlanItemForm,
    ClosureForm,
    FollowUpPlanForm,
    PlacementAbroadForm,
    ReturnPreparationForm,
    SiblingDecisionForm,
    VisitReportForm,
)
from kinlink.plans.models import CarerKind, PlacementAbroad, ReturnPreparation
from kinlink.plans.safeguards import SafeguardRefused

STALE = gettext_lazy("Someone changed this record meanwhile; look again and retry.")


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk]) + "#plans"


def _refused_page(
    request: AuthenticatedRequest, case: Case, title: Promise, refusals: list[Any]
) -> HttpResponse:
    context = {"case": case, "title": title, "refusals": refusals}
    return render(request, "plans/refused.html", context, status=409)


def _form_page(
    request: AuthenticatedRequest,
    case: Case,
    form: BaseForm,
    save: Callable[[], Any],
    *,
    title: Promise,
    done: Promise,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save`. Refusals are shown, nothing is saved."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except StaleEdit:
            messages.error(request, str(STALE))
            return HttpResponseRedirect(request.path)
        except SafeguardRefused as refused:
            return _refused_page(request, case, title, refused.refusals)
        except TransitionRefused as refused:
            return _refused_page(request, case, title, refused.refusals)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, str(done))
            return HttpResponseRedirect(_case_url(case))
    context = {"case": case, "form": form, "title": title, **(extra or {})}
    return render(request, "plans/form.html", context)


def _with_views(request: AuthenticatedRequest, case: Case) -> dict[str, Any]:
    """The child's views beside a plan that must weigh them (SG-04)."""
    return aside_for(CHILD_VIEWS, case, request.user)


@require_http_methods(["GET", "POST"])
def action_plan_create(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    lines = services.action_plan_default_lines(case=case, actor=user)
    form = ActionPlanCreateForm(request.POST or None, case=case, lines=lines)
    return _form_page(
        request,
        case,
        form,
        lambda: services.action_plan_create(actor=user, case=case, lines=form.plan_lines()),
        title=gettext_lazy("Make the action plan"),
        done=gettext_lazy("Action plan made; each line is now a task."),
        extra={"lines": lines, **_with_views(request, case)},
    )


@require_http_methods(["GET", "POST"])
def action_plan_item_add(
    request: AuthenticatedRequest, case_id: UUID, plan_id: UUID
) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = selectors.plan_of(case, plan_id)
    form = ActionPlanItemForm(request.POST or None, case=case, initial={"owner": user.pk})
    return _form_page(
        request,
        case,
        form,
        lambda: services.action_plan_item_add(actor=user, plan=plan, **form.arguments()),
        title=gettext_lazy("Add a line to the action plan"),
        done=gettext_lazy("Line added."),
        extra=_with_views(request, case),
    )


@require_http_methods(["GET", "POST"])
def action_plan_item_edit(
    request: AuthenticatedRequest, case_id: UUID, item_id: UUID
) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    item = selectors.item_of(case, item_id)
    form = ActionPlanItemForm(
        request.POST or None, instance=item, case=case, initial={"version": item.version}
    )
    return _form_page(
        request,
        case,
        form,
        lambda: services.action_plan_item_update(
            actor=user,
            item=item,
            seen_version=form.cleaned_data.get("version") or 0,
            **form.arguments(),
        ),
        title=gettext_lazy("Change a line of the action plan"),
        done=gettext_lazy("Line saved."),
        extra=_with_views(request, case),
    )


@require_POST
def action_plan_submit(request: AuthenticatedRequest, case_id: UUID, plan_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    plan = selectors.plan_of(case, plan_id)
    try:
        services.action_plan_submit(actor=user, plan=plan)
    except SafeguardRefused as refused:
        return _refused_page(
            request, case, gettext_lazy("Ask for approval of the plan"), refused.refusals
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(gettext_lazy("The plan was sent for approval.")))
    return HttpResponseRedirect(_case_url(case))


@require_http_methods(["GET", "POST"])
def return_preparation(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    prep = ReturnPreparation.objects.filter(case=case).first()
    form = ReturnPreparationForm(
        request.POST or None,
        instance=prep,
        initial={"version": prep.version if prep else None},
    )
    return _form_page(
        request,
        case,
        form,
        lambda: services.return_preparation_save(
            actor=user,
            case=case,
            seen_version=form.cleaned_data.get("version"),
            **form.arguments(),
        ),
        title=gettext_lazy("Prepare the return"),
        done=gettext_lazy("Return preparation saved."),
        extra=_with_views(request, case),
    )


@require_http_methods(["GET", "POST"])
def sibling_decision(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """SG-13: whether the decided solution keeps the siblings living with the child together."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = SiblingDecisionForm(request.POST or None, siblings=services.siblings_with_child(case))
    return _form_page(
        request,
        case,
        form,
        lambda: services.sibling_decision_record(actor=user, case=case, **form.cleaned_data),
        title=gettext_lazy("Siblings and the decided solution"),
        done=gettext_lazy("Decision on the siblings recorded."),
        extra=_with_views(request, case),
    )


@require_http_methods(["GET", "POST"])
def follow_up_create(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = FollowUpPlanForm(request.POST or None, case=case, initial={"owner": user.pk})
    return _form_page(
        request,
        case,
        form,
        lambda: services.follow_up_plan_create(actor=user, case=case, **form.arguments()),
        title=gettext_lazy("Plan the follow-up"),
        done=gettext_lazy("Follow-up planned; every visit is now a task."),
    )


@require_http_methods(["GET", "POST"])
def visit_report(request: AuthenticatedRequest, case_id: UUID, visit_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    visit = selectors.visit_of(case, visit_id)
    form = VisitReportForm(request.POST or None, initial={"version": visit.version})

    def save() -> Any:
        arguments = form.arguments()
        return services.visit_report_record(
            actor=user, visit=visit, seen_version=form.cleaned_data["version"], **arguments
        )

    return _form_page(
        request,
        case,
        form,
        save,
        title=gettext_lazy("Report on a follow-up visit"),
        done=gettext_lazy("Visit report saved; the visit's task is closed."),
        extra={"visit": visit},
    )


@require_http_methods(["GET", "POST"])
def closure_request(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = ClosureForm(request.POST or None, initial={"version": case.version})
    return _form_page(
        request,
        case,
        form,
        lambda: services.closure_request(
            actor=user,
            case=case,
            seen_version=form.cleaned_data["version"],
            **form.arguments(),
        ),
        title=gettext_lazy("Request closure"),
        done=gettext_lazy("Closure requested; a supervisor will decide."),
        extra=_with_views(request, case),
    )


@require_http_methods(["GET", "POST"])
def placement_abroad(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Where the child is to be placed abroad, with whom, and the receiving state's consent;
    the page shows what the directory says the law between the two countries requires."""
    from django.utils import timezone

    from kinlink.directory.framework import framework_between

    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    placement = PlacementAbroad.objects.filter(case=case).first()
    form = PlacementAbroadForm(
        request.POST or None,
        instance=placement,
        initial={"version": placement.version if placement else None},
    )
    framework = (
        framework_between(
            case.agency.country,
            placement.receiving_country,
            on=timezone.localdate(),
            with_parent=placement.carer_kind == CarerKind.PARENT,
        )
        if placement
        else None
    )
    return _form_page(
        request,
        case,
        form,
        lambda: services.placement_abroad_save(
            actor=user,
            case=case,
            seen_version=form.cleaned_data.get("version"),
            **form.arguments(),
        ),
        title=gettext_lazy("Placement abroad and the receiving state's consent"),
        done=gettext_lazy("Placement abroad saved."),
        extra={"framework": framework},
    )
