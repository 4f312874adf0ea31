"""Pages of assessments and decisions. Thin: the case comes from the policy (404 outside
scope; edit pages need edit rights, so guardians only read), then a service or selector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.assessments import selectors, services
from kinlink.assessments.forms import (
    AgeRequestForm,
    AgeUpdateForm,
    AssessmentForm,
    BIDDecideForm,
    BIDDeferForm,
    BIDMemberForm,
    BIDOpenForm,
    BIDOptionForm,
    ChildViewsForm,
    FamilyEvaluationForm,
    FamilyVerificationForm,
    RiskForm,
    TracingForm,
    TraffickingForm,
)
from kinlink.assessments.models import (
    AgeAssessment,
    Assessment,
    BestInterestsDetermination,
    BIDStatus,
)
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.models import ApprovalSubject, Case
from kinlink.cases.policies import can_edit_case
from kinlink.cases.selectors import case_for_edit, case_open
from kinlink.cases.workflow import pending_approval, sent_back_one
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest

STALE = gettext_lazy("Someone changed this record meanwhile; look again and retry.")


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk]) + "#assessments"


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
    """GET shows the form beside the child's views; a valid POST calls `save`."""
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
    context = {
        "case": case,
        "form": form,
        "title": title,
        "child_views": selectors.child_views_of(case),
        **(extra or {}),
    }
    return render(request, "assessments/form.html", context)


@require_http_methods(["GET", "POST"])
def views_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        ChildViewsForm(request.POST or None),
        lambda data: services.child_views_record(actor=user, case=case, **data),
        title=gettext_lazy("Record the child's views"),
        done=gettext_lazy("The child's views are recorded."),
    )


@require_http_methods(["GET", "POST"])
def assessment_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = AssessmentForm(request.POST or None)
    return _form_page(
        request,
        case,
        form,
        lambda data: services.assessment_create(actor=user, case=case, **form.arguments()),
        title=gettext_lazy("Write an assessment"),
        done=gettext_lazy("Assessment saved. Send it for approval when it is complete."),
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(
    request: AuthenticatedRequest, case_id: UUID, assessment_id: UUID
) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    assessment = get_object_or_404(Assessment, pk=assessment_id, case=case)
    form = AssessmentForm(
        request.POST or None, instance=assessment, initial={"version": assessment.version}
    )
    return _form_page(
        request,
        case,
        form,
        lambda data: services.assessment_update(
            actor=user,
            assessment=assessment,
            seen_version=data.get("version") or 0,
            **form.arguments(),
        ),
        title=gettext_lazy("Edit the assessment"),
        done=gettext_lazy("Changes saved."),
    )


@require_GET
def assessment_detail(
    request: AuthenticatedRequest, case_id: UUID, assessment_id: UUID
) -> HttpResponse:
    """An assessment with its approval state; guardians of the case may read it."""
    user = request.user
    case = case_open(user=user, case_id=case_id)
    assessment = get_object_or_404(
        Assessment.objects.select_related("author", "approved_by"), pk=assessment_id, case=case
    )
    context = {
        "case": case,
        "assessment": assessment,
        "pending": pending_approval(ApprovalSubject.ASSESSMENT, assessment.pk),
        "sent_back": sent_back_one(ApprovalSubject.ASSESSMENT, assessment.pk),
        "can_edit": can_edit_case(user, case),
        "child_views": selectors.child_views_of(case),
    }
    return render(request, "assessments/assessment_detail.html", context)


@require_POST
def assessment_submit(
    request: AuthenticatedRequest, case_id: UUID, assessment_id: UUID
) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    assessment = get_object_or_404(Assessment, pk=assessment_id, case=case)
    try:
        services.assessment_submit(actor=user, assessment=assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sent to the supervisors for approval."))
    return HttpResponseRedirect(
        reverse("assessments:assessment_detail", args=[case.pk, assessment.pk])
    )


@require_http_methods(["GET", "POST"])
def risk_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        RiskForm(request.POST or None, initial={"new_level": case.risk_level}),
        lambda data: services.risk_reassess(actor=user, case=case, **data),
        title=gettext_lazy("Reassess the risk"),
        done=gettext_lazy("Risk reassessed; the next review is in the tasks."),
    )


@require_http_methods(["GET", "POST"])
def age_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        AgeRequestForm(request.POST or None),
        lambda data: services.age_assessment_request(actor=user, case=case, **data),
        title=gettext_lazy("Request an age assessment"),
        done=gettext_lazy("Age assessment requested; the child is treated as a child meanwhile."),
    )


@require_http_methods(["GET", "POST"])
def age_update(request: AuthenticatedRequest, case_id: UUID, age_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    assessment = get_object_or_404(AgeAssessment, pk=age_id, case=case)
    form = AgeUpdateForm(
        request.POST or None,
        current=assessment.status,
        initial={"version": assessment.version, "age_min": assessment.age_min},
    )

    def save(data: dict[str, Any]) -> Any:
        return services.age_assessment_update(
            actor=user,
            assessment=assessment,
            seen_version=data["version"],
            status=data["status"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            decided_on=data["decided_on"],
            notes=data["notes"],
        )

    return _form_page(
        request,
        case,
        form,
        save,
        title=gettext_lazy("Update the age assessment"),
        done=gettext_lazy("Age assessment updated."),
        extra={"age": assessment},
    )


@require_http_methods(["GET", "POST"])
def tracing_update(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        TracingForm(request.POST or None, current=case.tracing_status),
        lambda data: services.tracing_status_update(actor=user, case=case, **data),
        title=gettext_lazy("Tracing status"),
        done=gettext_lazy("Tracing status recorded."),
    )


@require_http_methods(["GET", "POST"])
def family_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        FamilyEvaluationForm(request.POST or None),
        lambda data: services.family_evaluation_record(actor=user, case=case, **data),
        title=gettext_lazy("Record a family evaluation"),
        done=gettext_lazy("Family evaluation recorded."),
    )


@require_http_methods(["GET", "POST"])
def verification_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """SG-10: how the family link was verified, and whether the child and the adult want it."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        FamilyVerificationForm(request.POST or None),
        lambda data: services.family_verification_record(actor=user, case=case, **data),
        title=gettext_lazy("Verify the family"),
        done=gettext_lazy("Family verification recorded."),
    )


@require_http_methods(["GET", "POST"])
def trafficking_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    return _form_page(
        request,
        case,
        TraffickingForm(request.POST or None),
        lambda data: services.trafficking_concern_record(actor=user, case=case, **data),
        title=gettext_lazy("Record a trafficking concern"),
        done=gettext_lazy("Trafficking concern recorded; the reflection period is set."),
    )


@require_http_methods(["GET", "POST"])
def bid_start(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    form = BIDOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bid = services.bid_open(actor=user, case=case, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return HttpResponseRedirect(reverse("assessments:bid_detail", args=[case.pk, bid.pk]))
    context = {
        "case": case,
        "form": form,
        "title": gettext_lazy("Start a best-interests determination"),
        "child_views": selectors.child_views_of(case),
    }
    return render(request, "assessments/form.html", context)


def _bid_page(
    request: AuthenticatedRequest,
    case: Case,
    bid: BestInterestsDetermination,
    **forms: BaseForm,
) -> HttpResponse:
    can_edit = can_edit_case(request.user, case)
    if can_edit:
        forms.setdefault("option_form", BIDOptionForm())
        forms.setdefault("member_form", BIDMemberForm(agency_id=case.agency_id))
        forms.setdefault("decide_form", BIDDecideForm(initial={"version": bid.version}))
        forms.setdefault("defer_form", BIDDeferForm(initial={"version": bid.version}))
    context = {
        "case": case,
        "bid": bid,
        "submission_pending": (
            bid.status == BIDStatus.OPEN
            and bid.submission_approved_at is None
            and pending_approval(ApprovalSubject.BID_SUBMISSION, bid.pk) is not None
        ),
        "sent_back": (
            sent_back_one(ApprovalSubject.BID_SUBMISSION, bid.pk)
            if bid.status == BIDStatus.OPEN and bid.submission_approved_at is None
            else None
        ),
        "options": bid.options.all(),
        "members": bid.panel_members.select_related("user"),
        "child_views": selectors.child_views_of(case),
        "can_edit": can_edit,
        **forms,
    }
    return render(request, "assessments/bid_detail.html", context)


@require_GET
def bid_detail(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    """The determination: options, panel, decision. Guardians of the case may read it."""
    case = case_open(user=request.user, case_id=case_id)
    return _bid_page(request, case, selectors.bid_for_page(case, bid_id))


def _bid_post(
    request: AuthenticatedRequest,
    case_id: UUID,
    bid_id: UUID,
    form_name: str,
    make_form: Callable[[Case], BaseForm],
    save: Callable[[BestInterestsDetermination, dict[str, Any]], Any],
    done: Promise,
) -> HttpResponse:
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    bid = selectors.bid_for_page(case, bid_id)
    form = make_form(case)
    if form.is_valid():
        try:
            save(bid, form.cleaned_data)
        except StaleEdit:
            messages.error(request, str(STALE))
        except TransitionRefused as refused:
            messages.error(request, str(refused))
        except ValidationError as error:
            _apply_errors(form, error)
            return _bid_page(request, case, bid, **{form_name: form})
        else:
            messages.success(request, str(done))
        return HttpResponseRedirect(reverse("assessments:bid_detail", args=[case.pk, bid.pk]))
    return _bid_page(request, case, bid, **{form_name: form})


@require_POST
def bid_option_add(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    return _bid_post(
        request,
        case_id,
        bid_id,
        "option_form",
        lambda case: BIDOptionForm(request.POST),
        lambda bid, data: services.bid_option_add(actor=request.user, bid=bid, **data),
        gettext_lazy("Option added."),
    )


@require_POST
def bid_member_add(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    return _bid_post(
        request,
        case_id,
        bid_id,
        "member_form",
        lambda case: BIDMemberForm(request.POST, agency_id=case.agency_id),
        lambda bid, data: services.bid_panel_member_add(actor=request.user, bid=bid, **data),
        gettext_lazy("Panel member added."),
    )


@require_POST
def bid_submit(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    """Submit the determination to the supervisors; what is missing is said on the page."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id)
    bid = selectors.bid_for_page(case, bid_id)
    try:
        services.bid_submit(actor=user, bid=bid)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sent to the supervisors for approval."))
    return HttpResponseRedirect(reverse("assessments:bid_detail", args=[case.pk, bid.pk]))


@require_POST
def bid_decide(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    def save(bid: BestInterestsDetermination, data: dict[str, Any]) -> Any:
        return services.bid_decide(
            actor=request.user,
            bid=bid,
            seen_version=data.pop("version"),
            **data,
        )

    return _bid_post(
        request,
        case_id,
        bid_id,
        "decide_form",
        lambda case: BIDDecideForm(request.POST),
        save,
        gettext_lazy("Decision recorded."),
    )


@require_POST
def bid_defer(request: AuthenticatedRequest, case_id: UUID, bid_id: UUID) -> HttpResponse:
    return _bid_post(
        request,
        case_id,
        bid_id,
        "defer_form",
        lambda case: BIDDeferForm(request.POST),
        lambda bid, data: services.bid_defer(
            actor=request.user, bid=bid, seen_version=data["version"], reason=data["reason"]
        ),
        gettext_lazy("Decision deferred; the case is back in temporary care."),
    )
