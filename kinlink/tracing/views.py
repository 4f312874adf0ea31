"""Pages of family tracing: requests, their log and verification, and the review of suggested
matches. Thin: records come from the policy (404 outside one's scope), forms check shapes,
services write and refuse; matching is queued for the worker, never run in the request."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.cases.models import Case
from kinlink.cases.policies import get_case_for, visible_cases
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest
from kinlink.tracing import jobs, selectors, services
from kinlink.tracing.forms import (
    ActionForm,
    DecisionForm,
    EditForm,
    MoveForm,
    RequestForm,
    VerificationForm,
    request_initial,
)
from kinlink.tracing.models import RequestStatus, TracingRequest
from kinlink.tracing.policies import (
    can_edit_request,
    can_file_request,
    can_run_matching,
    get_request_for,
    get_suggestion_for,
)

STALE = gettext_lazy("Someone changed this record meanwhile; look again and retry.")


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail_url(request: TracingRequest) -> str:
    return reverse("tracing:detail", args=[request.pk])


def _queue(task: object, *args: str) -> None:
    transaction.on_commit(partial(task.enqueue, *args))  # type: ignore[attr-defined]


@require_GET
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not can_file_request(user):
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in RequestStatus.values else ""
    return render(
        request,
        "tracing/request_list.html",
        {
            "requests": selectors.request_list(user=user, status=status)[:200],
            "status": status,
            "statuses": RequestStatus.choices,
            "to_review": selectors.review_queue(user=user).count(),
            "can_run_matching": can_run_matching(user),
        },
    )


@require_http_methods(["GET", "POST"])
def request_new(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not can_file_request(user):
        raise Http404
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case: Case | None = None
        reference = form.cleaned_data.get("case_reference", "").strip()
        if reference:
            case = visible_cases(user, "edit").filter(reference=reference).first()
            if case is None:
                form.add_error("case_reference", _("No case of yours has this reference."))
        if not form.errors:
            try:
                with transaction.atomic():
                    tracing = services.tracing_request_file(
                        actor=user,
                        team=user.teams.order_by("name").first(),  # type: ignore[arg-type]
                        filed_by=form.cleaned_data["filed_by"],
                        values=form.values(),
                        case=case,
                    )
                    _queue(jobs.match_request, str(tracing.pk))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Request %(reference)s filed. Matching runs in the background.")
                    % {"reference": tracing.reference},
                )
                return HttpResponseRedirect(_detail_url(tracing))
    return render(request, "tracing/form.html", {"form": form, "title": _("New tracing request")})


@require_GET
def request_detail(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    tracing = selectors.request_detail(user=user, request_id=request_id)
    editable = can_edit_request(user, tracing)
    suggestions = selectors.review_queue(user=user).filter(request=tracing)
    return render(
        request,
        "tracing/request_detail.html",
        {
            "tracing": tracing,
            "actions": tracing.actions.select_related("actor")[:100],
            "verifications": tracing.verifications.all(),
            "suggestions": suggestions,
            "editable": editable and tracing.is_open,
            "move_form": MoveForm(
                initial={"version": tracing.version},
            ),
            "next": [(s, RequestStatus(s).label) for s in sorted(services.NEXT[tracing.status])],
            "action_form": ActionForm(),
            "verification_form": VerificationForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def request_edit(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    tracing = get_request_for(user, request_id, "edit")
    if not can_edit_request(user, tracing):
        raise Http404
    initial = {**request_initial(tracing), "version": tracing.version}
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.tracing_request_update(
                    actor=user,
                    request=tracing,
                    seen_version=form.cleaned_data["version"],
                    values=form.values(),
                )
                _queue(jobs.match_request, str(tracing.pk))
        except StaleEdit:
            messages.error(request, str(STALE))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Request saved."))
            return HttpResponseRedirect(_detail_url(tracing))
    return render(
        request,
        "tracing/form.html",
        {"form": form, "title": _("Change the request"), "tracing": tracing},
    )


def _post_on_request(
    request: AuthenticatedRequest, request_id: UUID, form: BaseForm, save: partial[Any]
) -> HttpResponse:
    tracing = get_request_for(request.user, request_id, "edit")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(_detail_url(tracing))
    try:
        save(request=tracing, **form.cleaned_data)
    except StaleEdit:
        messages.error(request, str(STALE))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(_detail_url(tracing))


@require_POST
def request_move(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    def save(*, request: TracingRequest, version: int, status: str, note: str) -> object:
        return services.tracing_request_move(
            actor=user, request=request, seen_version=version, status=status, note=note
        )

    user = request.user
    return _post_on_request(request, request_id, MoveForm(request.POST), partial(save))


@require_POST
def action_add(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    return _post_on_request(
        request,
        request_id,
        ActionForm(request.POST),
        partial(services.tracing_action_add, actor=user),
    )


@require_POST
def verification_add(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    def save(*, request: TracingRequest, **values: object) -> object:
        return services.tracing_verification_record(actor=user, request=request, values=values)

    user = request.user
    return _post_on_request(request, request_id, VerificationForm(request.POST), partial(save))


@require_POST
def request_match(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    tracing = get_request_for(request.user, request_id, "edit")
    _queue(jobs.match_request, str(tracing.pk))
    messages.success(request, _("Matching queued; new suggestions appear in the review queue."))
    return HttpResponseRedirect(_detail_url(tracing))


@require_POST
def match_all(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not can_run_matching(user):
        raise Http404
    _queue(jobs.match_agency, str(user.agency_id))
    messages.success(request, _("Matching of every open request and case queued."))
    return HttpResponseRedirect(reverse("tracing:review"))


@require_POST
def case_duplicates(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    case = get_case_for(request.user, case_id, "edit")
    _queue(jobs.find_case_duplicates, str(case.pk))
    messages.success(
        request, _("Duplicate check queued; what it finds appears in the review queue.")
    )
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@require_GET
def review(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not can_file_request(user):
        raise Http404
    return render(
        request,
        "tracing/review.html",
        {
            "suggestions": selectors.review_queue(user=user)[:100],
            "can_run_matching": can_run_matching(user),
        },
    )


@require_http_methods(["GET", "POST"])
def suggestion(request: AuthenticatedRequest, suggestion_id: UUID) -> HttpResponse:
    user = request.user
    found = get_suggestion_for(user, suggestion_id)
    form = DecisionForm(request.POST or None, initial={"version": found.version})
    if request.method == "POST":
        found = get_suggestion_for(user, suggestion_id, "edit")
        if form.is_valid():
            decide = (
                services.suggestion_confirm
                if form.cleaned_data["decision"] == "confirm"
                else services.suggestion_reject
            )
            try:
                decide(
                    actor=user,
                    suggestion=found,
                    seen_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except StaleEdit:
                messages.error(request, str(STALE))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Decision recorded."))
                return HttpResponseRedirect(reverse("tracing:review"))
    found, lines = selectors.comparison(user=user, suggestion_id=suggestion_id)
    return render(
        request,
        "tracing/suggestion.html",
        {"suggestion": found, "lines": lines, "form": form},
    )
