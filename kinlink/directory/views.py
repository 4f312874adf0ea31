"""Pages of the country directory. Thin: the policy says who reads (every signed-in user) and
who edits (the node administrator; others get 404), a form parses, a service writes."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest
from kinlink.directory import selectors, services
from kinlink.directory.export import export_text
from kinlink.directory.forms import (
    AgencyFilterForm,
    AgencyForm,
    BetweenForm,
    CountryForm,
    ImportForm,
    NoteForm,
    StatusForm,
)
from kinlink.directory.interchange import DirectoryFileRefused
from kinlink.directory.models import Agency, LegalNote, TreatyStatus
from kinlink.directory.policies import (
    can_edit_directory,
    get_agency_for,
    get_country_for,
    get_note_for,
    get_status_for,
    require_edit,
    require_read,
)
from kinlink.directory.reference import country_name


def _apply(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal, beside the field it is about."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _edit_page(
    request: AuthenticatedRequest,
    form: BaseForm,
    save: Any,
    *,
    title: str,
    back: str,
    done: str,
    history: list[Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save`; a refusal or a stale edit changes nothing."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except StaleEdit:
            messages.error(
                request, _("Someone changed this record meanwhile; here it is as it is now.")
            )
            return HttpResponseRedirect(request.path)
        except ValidationError as error:
            _apply(form, error)
            status = 400
        else:
            messages.success(request, done)
            return HttpResponseRedirect(back)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "title": title, "back": back, "history": history}
    return render(request, "directory/form.html", context, status=status)


# --- countries ----------------------------------------------------------------------------


@require_GET
def country_list(request: AuthenticatedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    rows = selectors.country_rows(user=request.user, q=q)
    context = {"rows": rows, "q": q, "can_edit": can_edit_directory(request.user)}
    if request.htmx:
        return render(request, "directory/partials/country_rows.html", context)
    return render(request, "directory/countries.html", context)


@require_GET
def country_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    country = get_country_for(request.user, code)
    sheet = selectors.country_sheet(user=request.user, country=country)
    context = {"sheet": sheet, "can_edit": can_edit_directory(request.user)}
    return render(request, "directory/country.html", context)


@require_http_methods(["GET", "POST"])
def country_edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require_edit(request.user)
    country = get_country_for(request.user, code)
    initial = {name: getattr(country, name) for name in services.COUNTRY_FIELDS}
    form = CountryForm(request.POST or None, initial={**initial, "version": country.version})

    def save() -> None:
        services.country_update(
            actor=request.user,
            country=country,
            seen_version=form.cleaned_data["version"] or 0,
            **form.arguments(),
        )

    return _edit_page(
        request,
        form,
        save,
        title=_("%(country)s: age of majority and central authority")
        % {"country": country_name(country.code)},
        back=reverse("directory:country", args=[country.code]),
        done=_("Country saved."),
        history=selectors.record_history(user=request.user, obj=country),
    )


# --- treaty statuses ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def status_add(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require_edit(request.user)
    country = get_country_for(request.user, code)
    form = StatusForm(
        request.POST or None,
        initial={"checked_on": timezone.localdate(), "instrument": request.GET.get("instrument")},
    )

    def save() -> None:
        values = form.arguments()
        services.treaty_status_create(
            actor=request.user, country=country, instrument=values.pop("instrument"), **values
        )

    return _edit_page(
        request,
        form,
        save,
        title=_("%(country)s: add a treaty status") % {"country": country_name(country.code)},
        back=reverse("directory:country", args=[country.code]),
        done=_("Treaty status saved."),
    )


@require_http_methods(["GET", "POST"])
def status_edit(request: AuthenticatedRequest, status_id: UUID) -> HttpResponse:
    require_edit(request.user)
    status: TreatyStatus = get_status_for(request.user, status_id)
    initial = {name: getattr(status, name) for name in services.STATUS_FIELDS}
    form = StatusForm(
        request.POST or None,
        editing=True,
        initial={**initial, "instrument": status.instrument, "version": status.version},
    )

    def save() -> None:
        values = form.arguments()
        values.pop("instrument", None)
        services.treaty_status_update(
            actor=request.user,
            status=status,
            seen_version=form.cleaned_data["version"] or 0,
            **values,
        )

    return _edit_page(
        request,
        form,
        save,
        title=_("%(country)s: %(instrument)s")
        % {
            "country": country_name(status.country.code),
            "instrument": status.get_instrument_display(),
        },
        back=reverse("directory:country", args=[status.country.code]),
        done=_("Treaty status saved."),
        history=selectors.record_history(user=request.user, obj=status),
    )


# --- legal notes --------------------------------------------------------------------------


@require_GET
def note_detail(request: AuthenticatedRequest, note_id: UUID) -> HttpResponse:
    note: LegalNote = get_note_for(request.user, note_id)
    context = {
        "note": note,
        "country_name": country_name(note.country.code),
        "history": selectors.record_history(user=request.user, obj=note),
        "can_edit": can_edit_directory(request.user),
    }
    return render(request, "directory/note.html", context)


@require_http_methods(["GET", "POST"])
def note_add(request: AuthenticatedRequest, code: str) -> HttpResponse:
    require_edit(request.user)
    country = get_country_for(request.user, code)
    form = NoteForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    return _edit_page(
        request,
        form,
        lambda: services.legal_note_create(actor=request.user, country=country, **form.arguments()),
        title=_("%(country)s: add a legal note") % {"country": country_name(country.code)},
        back=reverse("directory:country", args=[country.code]) + "#notes",
        done=_("Legal note saved."),
    )


@require_http_methods(["GET", "POST"])
def note_edit(request: AuthenticatedRequest, note_id: UUID) -> HttpResponse:
    require_edit(request.user)
    note: LegalNote = get_note_for(request.user, note_id)
    initial = {name: getattr(note, name) for name in services.NOTE_FIELDS}
    form = NoteForm(request.POST or None, initial={**initial, "version": note.version})
    return _edit_page(
        request,
        form,
        lambda: services.legal_note_update(
            actor=request.user,
            note=note,
            seen_version=form.cleaned_data["version"] or 0,
            **form.arguments(),
        ),
        title=_("Legal note: %(title)s") % {"title": note.title},
        back=reverse("directory:note", args=[note.pk]),
        done=_("Legal note saved."),
        history=selectors.record_history(user=request.user, obj=note),
    )


# --- agencies -----------------------------------------------------------------------------


@require_GET
def agency_list(request: AuthenticatedRequest) -> HttpResponse:
    form = AgencyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agencies = selectors.agency_list(user=request.user, **{k: v for k, v in filters.items() if v})
    context = {"form": form, "agencies": agencies, "can_edit": can_edit_directory(request.user)}
    if request.htmx:
        return render(request, "directory/partials/agency_rows.html", context)
    return render(request, "directory/agencies.html", context)


@require_GET
def agency_detail(request: AuthenticatedRequest, agency_id: UUID) -> HttpResponse:
    agency: Agency = get_agency_for(request.user, agency_id)
    context = {
        "agency": agency,
        "can_edit": can_edit_directory(request.user),
        "history": selectors.record_history(user=request.user, obj=agency),
    }
    return render(request, "directory/agency.html", context)


@require_http_methods(["GET", "POST"])
def agency_add(request: AuthenticatedRequest) -> HttpResponse:
    require_edit(request.user)
    form = AgencyForm(request.POST or None, initial={"country": request.GET.get("country")})
    return _edit_page(
        request,
        form,
        lambda: services.agency_create(actor=request.user, **form.arguments()),
        title=_("Add an agency"),
        back=reverse("directory:agencies"),
        done=_("Agency saved."),
    )


@require_http_methods(["GET", "POST"])
def agency_edit(request: AuthenticatedRequest, agency_id: UUID) -> HttpResponse:
    require_edit(request.user)
    agency: Agency = get_agency_for(request.user, agency_id)
    initial = {name: getattr(agency, name) for name in services.AGENCY_FIELDS}
    form = AgencyForm(request.POST or None, initial={**initial, "version": agency.version})
    return _edit_page(
        request,
        form,
        lambda: services.agency_update(
            actor=request.user,
            agency=agency,
            seen_version=form.cleaned_data["version"] or 0,
            **form.arguments(),
        ),
        title=_("Agency: %(name)s") % {"name": agency.name},
        back=reverse("directory:agency", args=[agency.pk]),
        done=_("Agency saved."),
        history=selectors.record_history(user=request.user, obj=agency),
    )


# --- between two countries ----------------------------------------------------------------


@require_GET
def between(request: AuthenticatedRequest) -> HttpResponse:
    """Which instruments are in force in both countries on a date, and what a placement from
    the first with a carer in the second requires."""
    require_read(request.user)
    agency = request.user.agency
    own = agency.country if agency is not None else ""
    asked = "a" in request.GET and "b" in request.GET
    initial = {
        "a": request.GET.get("a", own),
        "b": request.GET.get("b", ""),
        "on": timezone.localdate(),
    }
    form = BetweenForm(request.GET if asked else None, initial=initial)
    framework = None
    if asked and form.is_valid():
        data = form.cleaned_data
        on: date = data["on"] or timezone.localdate()
        framework = selectors.framework_between(
            data["a"], data["b"], on=on, with_parent=data["with_parent"]
        )
    context = {"form": form, "framework": framework}
    if request.htmx:
        return render(request, "directory/partials/between_answer.html", context)
    return render(request, "directory/between.html", context)


# --- import and export --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def directory_import(request: AuthenticatedRequest) -> HttpResponse:
    """An administrator imports a directory file: every row, or none and every problem."""
    require_edit(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
            status = 400
        else:
            try:
                report = services.directory_import(
                    actor=request.user, text=text, origin=upload.name
                )
            except DirectoryFileRefused as refused:
                problems = refused.problems
                status = 400
            except PermissionDenied:
                raise
            else:
                messages.success(
                    request,
                    _(
                        "Directory imported: %(created)s created, %(updated)s updated, "
                        "%(same)s unchanged."
                    )
                    % {
                        "created": report.total("created"),
                        "updated": report.total("updated"),
                        "same": report.total("unchanged"),
                    },
                )
                return HttpResponseRedirect(reverse("directory:countries"))
    context = {"form": form, "problems": problems}
    return render(request, "directory/import.html", context, status=status)


@require_GET
def directory_export(request: AuthenticatedRequest) -> HttpResponse:
    require_edit(request.user)
    today = timezone.localdate().isoformat()
    text = export_text(version=today)
    record(actor=request.user, action=AuditAction.EXPORT, obj=None, what="directory")
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="directory-{today}.json"'
    return response
