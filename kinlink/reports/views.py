"""Dashboards, exports and documents. Thin: ask the policy, read the indicators, render.

Bad filters (an end before the start, a value not offered) answer 400 with the form's
messages and compute nothing; an export over the size limit answers 400 and writes no file.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kinlink.accounts.mfa import recent_authentication_required
from kinlink.cases.policies import can_export_subject_bundle, get_case_for
from kinlink.core.exports import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from kinlink.core.http import AuthenticatedRequest
from kinlink.reports import documents, exports, indicators, network, policies, services
from kinlink.reports.forms import ReportFilterForm

FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def _filters(request: AuthenticatedRequest, scope: policies.Scope) -> ReportFilterForm:
    form = ReportFilterForm(request.GET, teams=scope.teams)
    form.is_valid()
    return form


def _dashboard(
    request: AuthenticatedRequest,
    *,
    scope: policies.Scope,
    codes: tuple[str, ...],
    title: Any,
    intro: Any,
    url_name: str,
    show_filters: bool = True,
) -> HttpResponse:
    form = _filters(request, scope)
    context: dict[str, Any] = {
        "form": form,
        "title": title,
        "intro": intro,
        "url_name": url_name,
        "show_filters": show_filters,
        "deidentified": scope.deidentified,
        "show_team": scope.teams.exists(),
    }
    if not form.is_valid():
        return render(request, "reports/dashboard.html", context, status=400)
    period = form.period()
    context |= {
        "period": period,
        "results": indicators.compute(
            codes, form.narrow(scope.cases), period, deidentified=scope.deidentified
        ),
        "params": form.as_params(),
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    """The caseworker's day in figures: her own cases by step and risk, what is overdue."""
    user = request.user
    scope = policies.aggregate_scope(user)
    if not policies.can_see_caseload(user) or scope is None:
        raise Http404
    mine = scope.cases.filter(Q(lead_caseworker=user) | Q(assignments__user=user)).distinct()
    mine = scope.cases.filter(pk__in=mine.values("pk"))
    return _dashboard(
        request,
        scope=policies.Scope(mine, scope.teams.none(), deidentified=False),
        codes=indicators.CASEWORKER,
        title=gettext_lazy("My caseload"),
        intro=gettext_lazy("The cases you lead or work on, counted."),
        url_name="reports:caseload",
        show_filters=False,
    )


@require_GET
def team(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    scope = policies.aggregate_scope(user)
    if not policies.can_see_team_dashboard(user) or scope is None:
        raise Http404
    return _dashboard(
        request,
        scope=scope,
        codes=indicators.TEAM,
        title=gettext_lazy("Team dashboard"),
        intro=gettext_lazy(
            "Caseload, what is overdue or waiting, how long children wait for a guardian, an "
            "assessment and a decision, and the requests waiting abroad. Times count children "
            "referred in the period."
        ),
        url_name="reports:team",
    )


@require_GET
def node(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    scope = policies.aggregate_scope(user)
    if not policies.can_see_dashboards(user) or scope is None:
        raise Http404
    return _dashboard(
        request,
        scope=scope,
        codes=indicators.NODE,
        title=gettext_lazy("Node dashboard"),
        intro=gettext_lazy(
            "Children registered, solutions decided, follow-up visits on time, reunifications, "
            "children ageing out and missing children."
        ),
        url_name="reports:node",
    )


@require_GET
def network_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not policies.can_see_dashboards(user):
        raise Http404
    form = network.NetworkPeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/network.html", {"form": form}, status=400)
    return render(
        request, "reports/network.html", {"form": form, **network.dashboard(form.period())}
    )


def _refused(request: AuthenticatedRequest, message: str, form: forms.Form | None = None) -> Any:
    """An export that was not produced: the reason, and the way back to its dashboard."""
    dashboard = "reports:team" if request.user.role == "supervisor" else "reports:node"
    back = f"{reverse(dashboard)}?{request.GET.urlencode()}"
    return render(
        request,
        "reports/refused.html",
        {"message": message, "form": form, "back": back},
        status=400,
    )


@require_GET
def export(request: AuthenticatedRequest, kind: str, fmt: str) -> HttpResponse:
    """Cases referred in the period, or the dashboard's indicators, as CSV or XLSX."""
    user = request.user
    scope = policies.aggregate_scope(user)
    if not policies.can_export(user) or scope is None or fmt not in FORMATS:
        raise Http404
    if kind not in {"cases", "indicators"}:
        raise Http404
    form = _filters(request, scope)
    if not form.is_valid():
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return _refused(request, errors, form)
    period = form.period()
    cases = form.narrow(scope.cases)
    try:
        if kind == "cases":
            header, rows, count = exports.case_rows(cases, period, deidentified=scope.deidentified)
        else:
            codes = indicators.TEAM if user.role == "supervisor" else indicators.NODE
            results = indicators.compute(codes, cases, period, deidentified=scope.deidentified)
            header, table = exports.indicator_rows(results)
            rows, count = iter(table), len(table)
    except exports.TooLarge as too_large:
        return _refused(
            request,
            _(
                "This export would hold %(rows)s rows; the limit is %(limit)s. Choose a shorter "
                "period, a team or a case type."
            )
            % {"rows": too_large.rows, "limit": too_large.limit},
        )
    sheet = _("Cases") if kind == "cases" else _("Indicators")
    if fmt == "csv":
        content = to_csv(header, rows)
    else:
        content = to_xlsx(header, rows, sheet=sheet, rtl=get_language_bidi())
    services.export_record(
        actor=user,
        kind=kind,
        fmt=fmt,
        rows=count,
        filters=form.as_params(),
        content=content,
        deidentified=scope.deidentified,
    )
    response = HttpResponse(content, content_type=FORMATS[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="kinlink-{kind}-{stamp}.{fmt}"'
    return response


class DocumentForm(forms.Form):
    document = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=[(d.code, d.title) for d in documents.DOCUMENTS.values()],
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the reader"))
    leave_out = forms.MultipleChoiceField(
        label=gettext_lazy("Leave out what the recipient need not see"),
        choices=list(documents.LEAVE_OUT.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = settings.LANGUAGES


@require_http_methods(["GET", "POST"])
def document(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Choose a document, its language and what to leave out; POST prints it as PDF."""
    user = request.user
    if not policies.can_make_documents(user):
        raise Http404
    case = get_case_for(user, case_id)
    form = DocumentForm(
        request.POST or None,
        initial={"document": "case_summary", "language": get_language()},
    )
    context = {"case": case, "form": form}
    if request.method == "POST" and form.is_valid():
        chosen = documents.DOCUMENTS[form.cleaned_data["document"]]
        leave_out = set(form.cleaned_data["leave_out"])
        language = form.cleaned_data["language"]
        try:
            html = documents.render_html(
                document=chosen, case=case, language=language, leave_out=leave_out, author=user
            )
        except documents.NothingToReport:
            form.add_error("document", _("This case has nothing yet for this document."))
            return render(request, "reports/document_form.html", context, status=400)
        content = documents.render_pdf(html)
        services.document_record(
            actor=user,
            case=case,
            kind=chosen.code,
            language=language,
            redactions=sorted(leave_out),
            content=content,
        )
        response = HttpResponse(content, content_type="application/pdf")
        name = f"{case.reference}-{chosen.code}-{language}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/document_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def subject_bundle(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Everything held about the child in one ZIP: a confirmation page, then a POST makes it.
    Only a supervisor of the case's team; anyone else gets 404, like a case they cannot see."""
    user = request.user
    case = get_case_for(user, case_id)
    if not can_export_subject_bundle(user, case):
        raise Http404
    if request.method == "POST":
        content = services.subject_bundle_export(actor=user, case=case)
        response = HttpResponse(content, content_type="application/zip")
        name = f"{case.reference}-subject-bundle.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "reports/subject_bundle.html", {"case": case})
