"""Case pages. Thin: parse input, call a selector or service, render the page or fragment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.accounts.mfa import recent_authentication_required
from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases import selectors, services, workflow
from kinlink.cases.forms import (
    AssignForm,
    BreakGlassForm,
    CaseEditForm,
    CaseFilterForm,
    ConsentForm,
    MissingReportForm,
    PersonForm,
    RegistrationForm,
)
from kinlink.cases.jobs import eighteenth_birthday
from kinlink.cases.lifecycle import THROUGH_APPROVAL, TRANSITIONS, TransitionRefused
from kinlink.cases.models import (
    Approval,
    AssignmentRole,
    CaseAssignment,
    Hold,
    Stage,
    Task,
    TaskStatus,
)
from kinlink.cases.panels import panels_for
from kinlink.cases.policies import (
    can_assign,
    can_break_glass,
    can_edit_case,
    can_export_subject_bundle,
    can_read_statistics,
    can_register_case,
    can_see_access_log,
)
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest

HISTORY_ON_PAGE = 50  # events on the case page; the rest on the history pages
HISTORY_PER_PAGE = 50


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    """My cases / team cases. Names are searched by POST so they never enter a URL."""
    user = request.user
    if not user.sees_case_content:
        raise Http404
    if request.method == "GET" and "q" in request.GET:
        # A name in a URL stays in histories and logs: drop it, never search by it.
        kept = request.GET.copy()
        del kept["q"]
        query = kept.urlencode()
        return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))
    data = request.POST if request.method == "POST" else request.GET
    form = CaseFilterForm(data or None)
    # Supervisors lead no case themselves: they start on their teams' cases.
    default_scope = "team" if user.role == Role.SUPERVISOR else "mine"
    filters = selectors.CaseFilters(scope=default_scope)
    if form.is_valid():
        cleaned = form.cleaned_data
        filters = selectors.CaseFilters(
            scope=cleaned["scope"] or default_scope,
            stage=cleaned["stage"],
            risk_level=cleaned["risk_level"],
            case_type=cleaned["case_type"],
            overdue=cleaned["overdue"],
            query=cleaned["q"].strip(),
        )
    cases = selectors.case_list(user=user, filters=filters)
    if filters.query:
        # A search by name is a read of children's records: who looked for whom is kept.
        record(actor=user, action=AuditAction.SEARCH, query=filters.query, scope=filters.scope)
    page = Paginator(cases, settings.KINLINK_CASES_PER_PAGE).get_page(
        form.cleaned_data.get("page") if form.is_bound and form.is_valid() else 1
    )
    selectors.cases_shown(
        user=user, listing="case_list", case_ids=[case.pk for case in page.object_list]
    )
    if not form.is_bound:
        form = CaseFilterForm(initial={"scope": default_scope})
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "can_register": can_register_case(user),
    }
    template = "cases/partials/case_rows.html" if request.htmx else "cases/case_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def case_register(request: AuthenticatedRequest) -> HttpResponse:
    """Register a child. Possible duplicates are shown before anything is saved."""
    user = request.user
    if not can_register_case(user):
        raise Http404
    duplicates: list[selectors.PossibleDuplicate] = []
    if request.method == "POST":
        form = RegistrationForm(request.POST, user=user)
        if form.is_valid():
            identity = form.identity()
            if not form.cleaned_data.get("duplicates_reviewed"):
                duplicates = _duplicates_for(user, identity)
                selectors.cases_shown(
                    user=user, listing="duplicates", case_ids=[d.case.pk for d in duplicates]
                )
            if duplicates:
                data = request.POST.copy()
                data["duplicates_reviewed"] = "1"
                form = RegistrationForm(data, user=user)
                form.is_valid()
            else:
                try:
                    case = services.case_register(
                        actor=user,
                        team=form.cleaned_data["team"],
                        lead_caseworker=form.cleaned_data["lead_caseworker"],
                        identity=identity,
                        consent=form.consent(),
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                else:
                    messages.success(
                        request, _("Case %(ref)s registered.") % {"ref": case.reference}
                    )
                    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    else:
        form = RegistrationForm(user=user)
    return render(request, "cases/case_register.html", {"form": form, "duplicates": duplicates})


def _duplicates_for(user: User, identity: dict[str, Any]) -> list[selectors.PossibleDuplicate]:
    name_parts = [identity.get(f) or "" for f in services.NAME_FIELDS] + list(
        identity.get("aliases") or []
    )
    return selectors.possible_duplicates(
        user=user,
        name_parts=[p for p in name_parts if p],
        date_of_birth=identity.get("date_of_birth"),
        age=identity.get("age_estimate"),
        nationalities=identity.get("nationalities") or [],
        identity=identity,
    )


@require_POST
def duplicate_check(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: while the caseworker types, the cases that look like this child."""
    user = request.user
    if not can_register_case(user):
        raise Http404
    parts = [request.POST.get(f, "")[:100] for f in services.NAME_FIELDS]
    age_text = request.POST.get("age_estimate", "")
    age = int(age_text) if age_text.isdigit() and int(age_text) <= 25 else None
    nationalities = [n[:2] for n in request.POST.getlist("nationalities")[:5]]
    identity = {
        **dict(zip(services.NAME_FIELDS, parts, strict=True)),
        "sex": request.POST.get("sex", "")[:10],
        "age_estimate": age,
        "nationalities": nationalities,
        "place_of_origin": request.POST.get("place_of_origin", "")[:200],
    }
    duplicates = selectors.possible_duplicates(
        user=user,
        name_parts=[p for p in parts if p.strip()],
        age=age,
        nationalities=nationalities,
        identity=identity,
    )
    selectors.cases_shown(user=user, listing="duplicates", case_ids=[d.case.pk for d in duplicates])
    return render(request, "cases/partials/duplicates.html", {"duplicates": duplicates})


@require_GET
def case_detail(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_open(user=user, case_id=case_id)
    show_views = can_see_access_log(user)
    # The latest events; one more is read to know whether the whole history has more.
    latest = list(
        selectors.case_history(case=case, include_views=show_views)[: HISTORY_ON_PAGE + 1]
    )
    can_edit = can_edit_case(user, case)
    context = {
        "case": case,
        "steps": Stage.steps(),
        "people": case.people.select_related("person"),
        "consents": case.consents.all(),
        "assignments": case.assignments.select_related("user"),
        "history": latest[:HISTORY_ON_PAGE],
        "history_more": len(latest) > HISTORY_ON_PAGE,
        "show_views": show_views,
        "can_edit": can_edit,
        "can_assign": can_assign(user, case),
        "can_export_bundle": can_export_subject_bundle(user, case),
        "moves": selectors.lifecycle_moves(case=case, user=user, can_edit=can_edit),
        "open_tasks": _with_forms(
            case.tasks.filter(status=TaskStatus.OPEN).select_related("owner")[:20]
        ),
        "missing": services.open_missing_report(case) if case.hold == Hold.MISSING else None,
        "turns_18_on": eighteenth_birthday(case) if case.ageing_out_since else None,
        "panels": panels_for(case, user),
    }
    return render(request, "cases/case_detail.html", context)


def _with_forms(tasks: Any) -> list[Task]:
    """Open tasks, each with `form_url` when its form, not "Done", completes it."""
    rows = list(tasks)
    for task in rows:
        task.form_url = workflow.task_form_url(task)
    return rows


@require_GET
def case_history(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """The case's whole history, newest first, a page at a time; reading it is audited."""
    user = request.user
    show_views = can_see_access_log(user)
    case, page = selectors.case_history_page(
        user=user,
        case_id=case_id,
        include_views=show_views,
        number=request.GET.get("page") or 1,
        per_page=HISTORY_PER_PAGE,
    )
    context = {"case": case, "page": page, "show_views": show_views}
    return render(request, "cases/case_history.html", context)


@require_http_methods(["GET", "POST"])
def case_edit(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    if request.method == "POST":
        form = CaseEditForm(request.POST, instance=case)
        if form.is_valid():
            seen = form.cleaned_data["version"]
            try:
                services.case_update(
                    actor=user, case=case, seen_version=seen, identity=form.identity()
                )
            except StaleEdit:
                return _stale_page(request, case_id, seen, form)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    else:
        form = CaseEditForm(instance=case, initial={"version": case.version})
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


def _stale_page(
    request: AuthenticatedRequest, case_id: UUID, seen: int, form: BaseForm
) -> HttpResponse:
    """Someone saved first: show what they changed and what this user tried to save."""
    case = selectors.case_for_edit(user=request.user, case_id=case_id)
    fresh = CaseEditForm(instance=case, initial={"version": case.version})
    mine = [
        (form.fields[name].label, form.data.get(name, ""))
        for name in form.changed_data
        if name != "version"
    ]
    context = {
        "case": case,
        "theirs": selectors.changes_since(case=case, version=seen),
        "mine": mine,
        "form": fresh,
    }
    return render(request, "cases/stale_edit.html", context, status=409)


@require_http_methods(["GET", "POST"])
def person_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_person_add(actor=user, case=case, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Person added to the case."))
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#people")
    return render(request, "cases/person_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def consent_add(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(actor=user, case=case, consent=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#consent")
    return render(request, "cases/consent_form.html", {"case": case, "form": form})


@require_POST
def first_response(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    try:
        services.first_response_record(
            actor=user, case=case, seen_version=int(request.POST.get("version", 0))
        )
    except StaleEdit:
        messages.error(request, _("Someone changed this case meanwhile; look again and retry."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@require_http_methods(["GET", "POST"])
def case_assign(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id, record_view=False)
    if not can_assign(user, case):
        raise Http404
    # Recorded once the page is shown: a refused caseworker saw nothing of it.
    record(actor=user, action=AuditAction.VIEW, obj=case, case_id=case.pk)
    initial = {
        "version": case.version,
        "team": case.team_id,
        "lead_caseworker": case.lead_caseworker_id,
    }
    form = AssignForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add = (
            [(data["add_user"], data["add_role"] or AssignmentRole.COWORKER)]
            if data["add_user"]
            else []
        )
        remove = list(
            CaseAssignment.objects.filter(case=case, pk__in=request.POST.getlist("remove"))
        )
        try:
            services.case_assign(
                actor=user,
                case=case,
                seen_version=data["version"],
                team=data["team"],
                lead_caseworker=data["lead_caseworker"],
                add=add,
                remove=remove,
            )
        except StaleEdit:
            messages.error(request, _("Someone changed this case meanwhile; look again and retry."))
            return HttpResponseRedirect(reverse("cases:assign", args=[case.pk]))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Assignment saved."))
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    context = {"case": case, "form": form, "assignments": case.assignments.select_related("user")}
    return render(request, "cases/assign_form.html", context)


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def break_glass(request: AuthenticatedRequest) -> HttpResponse:
    """Open a case outside one's caseload in an emergency, with a written reason."""
    user = request.user
    if not can_break_glass(user):
        raise Http404
    form = BreakGlassForm(
        request.POST or None, initial={"reference": request.GET.get("reference", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_open(actor=user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.warning(
                request,
                _("Emergency access granted until %(time)s. Your supervisor has been told.")
                # The node's time zone and the reader's format, not the stored UTC.
                % {"time": time_format(timezone.localtime(grant.expires_at), "TIME_FORMAT")},
            )
            return HttpResponseRedirect(reverse("cases:detail", args=[grant.case_id]))
    return render(request, "cases/break_glass.html", {"form": form})


@require_GET
def statistics(request: AuthenticatedRequest) -> HttpResponse:
    """Aggregates without a single name: what analysts see."""
    user = request.user
    if not can_read_statistics(user):
        raise Http404
    return render(request, "cases/statistics.html", {"stats": selectors.statistics(user=user)})


@require_POST
def transition(request: AuthenticatedRequest, case_id: UUID, name: str) -> HttpResponse:
    """Take a lifecycle move from the case page; a refusal is shown with its reasons."""
    user = request.user
    if name not in TRANSITIONS or name in THROUGH_APPROVAL:
        raise Http404
    case = selectors.case_for_move(user=user, case_id=case_id, name=name)
    try:
        workflow.case_transition(
            actor=user,
            case=case,
            name=name,
            seen_version=_int(request.POST.get("version")),
            reason=request.POST.get("reason", "")[:2000],
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except StaleEdit:
        messages.error(request, _("Someone changed this case meanwhile; look again and retry."))
    except TransitionRefused as refused:
        context = {"case": case, "label": TRANSITIONS[name].label, "refusals": refused.refusals}
        return render(request, "cases/transition_refused.html", context, status=409)
    else:
        messages.success(request, _("Done: %(move)s.") % {"move": TRANSITIONS[name].label})
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


@require_http_methods(["GET", "POST"])
def missing_report(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Report the child missing: the police or authority told, then the hold and the alerts."""
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    form = MissingReportForm(
        request.POST or None,
        initial={"version": case.version, "notified_at": timezone.localtime().replace(second=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.missing_report(actor=user, case=case, seen_version=data.pop("version"), **data)
        except StaleEdit:
            messages.error(request, _("Someone changed this case meanwhile; look again and retry."))
            return HttpResponseRedirect(reverse("cases:missing_report", args=[case.pk]))
        except TransitionRefused as refused:
            context = {"case": case, "label": TRANSITIONS["report_missing"].label}
            context["refusals"] = refused.refusals
            return render(request, "cases/transition_refused.html", context, status=409)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.warning(
                request,
                _("The child is reported missing; the supervisors and the guardian are alerted."),
            )
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    return render(request, "cases/missing_form.html", {"case": case, "form": form})


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@require_POST
def task_complete(request: AuthenticatedRequest, case_id: UUID, task_id: UUID) -> HttpResponse:
    user = request.user
    case = selectors.case_for_edit(user=user, case_id=case_id)
    task = get_object_or_404(Task, pk=task_id, case=case)
    try:
        workflow.task_complete(
            actor=user, task=task, seen_version=_int(request.POST.get("version"))
        )
    except StaleEdit:
        messages.error(request, _("Someone else completed or changed this task meanwhile."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Task done."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#tasks")


@require_GET
def my_day(request: AuthenticatedRequest) -> HttpResponse:
    """What is due, overdue or waiting for approval across the user's cases."""
    user = request.user
    if not user.sees_case_content:
        raise Http404
    day = selectors.my_day(user=user)
    selectors.cases_shown(user=user, listing="my_day", case_ids=day["case_ids"])
    return render(request, "cases/my_day.html", day)


@require_POST
def approval_decide(request: AuthenticatedRequest, approval_id: UUID) -> HttpResponse:
    user = request.user
    approval = get_object_or_404(
        Approval.objects.select_related("case"),
        pk=approval_id,
        case__in=selectors.visible_cases(user),
    )
    if not workflow.can_decide(user, approval):
        raise Http404
    try:
        workflow.approval_decide(
            actor=user,
            approval=approval,
            approve=request.POST.get("decision") == "approve",
            comments=request.POST.get("comments", "")[:4000],
        )
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return HttpResponseRedirect(reverse("cases:my_day"))
