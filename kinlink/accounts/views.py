"""Sign-in, language, notifications, and the node administrator's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.accounts import mfa, services
from kinlink.accounts.forms import (
    LoginForm,
    NodeSettingsForm,
    SetPasswordForm,
    TeamForm,
    UserCreateForm,
    UserEditForm,
)
from kinlink.accounts.models import RoleChange, RoleChangeStatus, User
from kinlink.accounts.policies import (
    can_administer,
    get_team_for,
    get_user_for,
    visible_teams,
    visible_users,
)
from kinlink.accounts.selectors import changes_since, notifications_for
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest
from kinlink.core.models import NodeSettings


def _stale_page(
    request: AuthenticatedRequest,
    *,
    make_form: Callable[[Any], BaseForm],
    current: Any,
    seen: int,
    what: str,
    cancel: str,
) -> HttpResponse:
    """Someone saved first: what they changed, field by field, and this user's input kept in
    the form, now carrying the current version (so saving again is a deliberate choice)."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = make_form(data)
    labels = {name: str(field.label) for name, field in form.fields.items()}
    theirs = [
        (
            event,
            [
                (labels.get(name, name.replace("_", " ")), _plain_value(old), _plain_value(new))
                for name, (old, new) in sorted(event.changes.items())
                if isinstance(event.changes[name], list) and len(event.changes[name]) == 2
            ],
        )
        for event in changes_since(obj=current, version=seen)
    ]
    context = {
        "form": form,
        "theirs": theirs,
        "what": what,
        "action": request.path,
        "cancel": cancel,
    }
    return render(request, "accounts/stale_edit.html", context, status=409)


def _plain_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def _require_admin(request: AuthenticatedRequest) -> User:
    user = request.user
    if not can_administer(user):
        raise Http404
    return user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.session.pop("kinlink_expired", False)
        return context


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    response = auth_views.LogoutView.as_view()(request)
    # A shared phone keeps nothing of the session: cache, cookies and storage are cleared.
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is kept for next time."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@require_http_methods(["GET", "POST"])
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        services.notifications_mark_read(user=user)
        return HttpResponseRedirect(reverse("accounts:notifications"))
    items = list(notifications_for(user=user)[:100])
    return render(request, "accounts/notifications.html", {"items": items})


@require_GET
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    actor = _require_admin(request)
    users = visible_users(actor).prefetch_related("teams").order_by("full_name")
    return render(request, "accounts/user_list.html", {"users": users})


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    actor = _require_admin(request)
    form = UserCreateForm(request.POST or None, agency_id=actor.agency_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                agency=actor.agency,
                password=data["password1"],
                teams=list(data["teams"]),
                language=data["language"],
            )
        except IntegrityError:
            form.add_error("username", _("This username is taken."))
        else:
            if data["role"] == "node_admin":
                messages.info(
                    request,
                    _(
                        "Account created, switched off: another administrator must approve "
                        "a new administrator."
                    ),
                )
            else:
                messages.success(request, _("Account created."))
            return HttpResponseRedirect(reverse("accounts:user_list"))
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def user_edit(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    actor = _require_admin(request)
    target = get_user_for(actor, user_id)
    initial = {
        "full_name": target.full_name,
        "email": target.email,
        "role": target.role,
        "teams": list(target.teams.all()),
        "language": target.language,
        "is_active": target.is_active,
        "version": target.version,
    }
    form = UserEditForm(request.POST or None, agency_id=actor.agency_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        teams = list(data.pop("teams"))
        seen = data.pop("version")
        try:
            services.user_update(actor=actor, user=target, seen_version=seen, teams=teams, **data)
        except StaleEdit as stale:
            return _stale_page(
                request,
                make_form=lambda posted: UserEditForm(posted, agency_id=actor.agency_id),
                current=stale.current,
                seen=seen,
                what=target.full_name,
                cancel=reverse("accounts:user_list"),
            )
        except PermissionDenied:
            form.add_error(None, _("Nobody may change their own role, teams or access."))
        except services.RoleChangePending:
            form.add_error(
                "role", _("A change of role for this account already waits for approval.")
            )
        else:
            if data.get("role", target.role) != target.role:
                messages.info(
                    request,
                    _("Saved. The new role applies once another administrator approves it."),
                )
            else:
                messages.success(request, _("Account saved."))
            return HttpResponseRedirect(reverse("accounts:user_list"))
    context = {
        "form": form,
        "target": target,
        "creating": False,
        "pending": target.role_changes.filter(status=RoleChangeStatus.PENDING).first(),
        "has_second_factor": mfa.has_second_factor(target),
    }
    return render(request, "accounts/user_form.html", context)


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def user_password(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    actor = _require_admin(request)
    target = get_user_for(actor, user_id)
    form = SetPasswordForm(request.POST or None, user=target)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            actor=actor, user=target, password=form.cleaned_data["password1"]
        )
        messages.success(request, _("Password changed."))
        return HttpResponseRedirect(reverse("accounts:user_list"))
    return render(request, "accounts/password_form.html", {"form": form, "target": target})


@require_POST
@mfa.recent_authentication_required
def user_second_factor_reset(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """Remove a user's authenticator and recovery codes (a lost phone); not one's own."""
    actor = _require_admin(request)
    target = get_user_for(actor, user_id)
    try:
        mfa.second_factor_reset(actor=actor, user=target)
    except PermissionDenied:
        messages.error(request, _("Nobody may reset their own second factor."))
    else:
        messages.success(
            request, _("Second factor removed: the user sets up a new one at the next sign-in.")
        )
    return HttpResponseRedirect(reverse("accounts:user_edit", args=[target.pk]))


@require_GET
def role_change_list(request: AuthenticatedRequest) -> HttpResponse:
    """Changes of role waiting for a second administrator, and the latest decided."""
    actor = _require_admin(request)
    changes = (
        RoleChange.objects.filter(user__agency=actor.agency)
        .select_related("user", "requested_by", "decided_by")
        .order_by("status", "-created_at")[:100]
    )
    return render(request, "accounts/role_change_list.html", {"changes": changes})


@require_POST
@mfa.recent_authentication_required
def role_change_decide(request: AuthenticatedRequest, change_id: str) -> HttpResponse:
    actor = _require_admin(request)
    try:
        change = RoleChange.objects.get(pk=change_id, user__agency=actor.agency)
    except RoleChange.DoesNotExist as exc:
        raise Http404 from exc
    approve = request.POST.get("decision") == "approve"
    try:
        services.role_change_decide(actor=actor, change=change, approve=approve)
    except PermissionDenied:
        messages.error(
            request,
            _(
                "A change of role is decided by another administrator than the one who asked "
                "for it, and never by the person concerned. Nothing was changed."
            ),
        )
    else:
        messages.success(request, _("Approved.") if approve else _("Refused."))
    return HttpResponseRedirect(reverse("accounts:role_change_list"))


@require_GET
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    actor = _require_admin(request)
    teams = visible_teams(actor).prefetch_related("members").order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams})


@require_http_methods(["GET", "POST"])
def team_create(request: AuthenticatedRequest) -> HttpResponse:
    actor = _require_admin(request)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if visible_teams(actor).filter(name__iexact=form.cleaned_data["name"]).exists():
            form.add_error("name", _("A team of this name exists."))
        else:
            services.team_create(actor=actor, name=form.cleaned_data["name"])
            messages.success(request, _("Team created."))
            return HttpResponseRedirect(reverse("accounts:team_list"))
    return render(request, "accounts/team_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedRequest, team_id: str) -> HttpResponse:
    actor = _require_admin(request)
    team = get_team_for(actor, team_id)
    form = TeamForm(request.POST or None, initial={"name": team.name, "version": team.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                actor=actor,
                team=team,
                seen_version=form.cleaned_data["version"] or 0,
                name=form.cleaned_data["name"],
            )
        except StaleEdit as stale:
            return _stale_page(
                request,
                make_form=TeamForm,
                current=stale.current,
                seen=form.cleaned_data["version"] or 0,
                what=team.name,
                cancel=reverse("accounts:team_list"),
            )
        messages.success(request, _("Team saved."))
        return HttpResponseRedirect(reverse("accounts:team_list"))
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def node_settings(request: AuthenticatedRequest) -> HttpResponse:
    actor = _require_admin(request)
    current = NodeSettings.current()
    initial = {name: getattr(current, name) for name in NodeSettingsForm.base_fields}
    form = NodeSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        seen = data.pop("version")
        try:
            services.node_settings_update(actor=actor, seen_version=seen, **data)
        except StaleEdit as stale:
            return _stale_page(
                request,
                make_form=NodeSettingsForm,
                current=stale.current,
                seen=seen,
                what=str(_("Node settings")),
                cancel=reverse("accounts:node_settings"),
            )
        messages.success(request, _("Settings saved."))
        return HttpResponseRedirect(reverse("accounts:node_settings"))
    return render(request, "accounts/node_settings.html", {"form": form})
