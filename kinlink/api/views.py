"""The integration pages: API tokens (the node administrator's) and the Primero import (a
supervisor's, since it registers cases)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.accounts.models import Role
from kinlink.accounts.policies import can_administer
from kinlink.api import primero
from kinlink.api.forms import PrimeroImportForm, TokenIssueForm
from kinlink.api.models import ApiToken
from kinlink.api.services import api_token_issue, api_token_revoke
from kinlink.cases.policies import can_register_case
from kinlink.core.http import AuthenticatedRequest


def _require_admin(request: AuthenticatedRequest) -> None:
    if not can_administer(request.user):
        raise Http404


@require_GET
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_admin(request)
    tokens = ApiToken.objects.filter(user__agency=request.user.agency).select_related(
        "user", "created_by", "revoked_by"
    )
    return render(request, "api/token_list.html", {"tokens": tokens})


@require_http_methods(["GET", "POST"])
def token_issue(request: AuthenticatedRequest) -> HttpResponse:
    _require_admin(request)
    actor = request.user
    form = TokenIssueForm(request.POST or None, agency_id=actor.agency_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = api_token_issue(
                actor=actor, user=data["user"], name=data["name"], days=data["days"]
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            # The secret is shown in this answer only: it is stored as a digest.
            return render(request, "api/token_issued.html", {"issued": issued})
    return render(request, "api/token_form.html", {"form": form})


@require_POST
def token_revoke(request: AuthenticatedRequest, token_id: UUID) -> HttpResponse:
    _require_admin(request)
    token = (
        ApiToken.objects.filter(pk=token_id, user__agency=request.user.agency)
        .select_related("user")
        .first()
    )
    if token is None:
        raise Http404
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return HttpResponseRedirect(reverse("integration:token_list"))


@require_http_methods(["GET", "POST"])
def primero_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a Primero export; a dry run reports every row, an import registers cases."""
    user = request.user
    if not can_register_case(user) or user.role != Role.SUPERVISOR:
        raise Http404
    form = PrimeroImportForm(request.POST or None, request.FILES or None, user=user)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            records = primero.read(upload.read(primero.MAX_BYTES + 1), upload.name)
        except primero.UnreadableFile as error:
            form.add_error("file", str(error))
            return render(request, "api/primero_import.html", context)
        report = primero.check(
            records,
            {"case_type": data["case_type"], "referral_source": data["referral_source"]},
        )
        context["report"] = report
        if data["mode"] != PrimeroImportForm.CHECK:
            good_only = data["mode"] == PrimeroImportForm.GOOD_ROWS
            try:
                context["imported"] = primero.import_rows(
                    actor=user,
                    team=data["team"],
                    lead_caseworker=data["lead_caseworker"],
                    report=report,
                    good_rows_only=good_only,
                )
            except ValidationError as error:
                context["refused"] = error.messages[0]
    return render(request, "api/primero_import.html", context)
