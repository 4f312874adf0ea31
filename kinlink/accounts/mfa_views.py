"""Pages of the second factor: enter a code or use a security key, enrol an authenticator,
recovery codes, and the confirmation asked before sensitive actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.accounts import mfa, security_keys
from kinlink.accounts.forms import (
    EnrolmentForm,
    ReauthenticationForm,
    SecondFactorForm,
    SecurityKeyNameForm,
)
from kinlink.core.http import AuthenticatedRequest


def _next(request: AuthenticatedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/"
    return target


@require_http_methods(["GET", "POST"])
def mfa_verify(request: AuthenticatedRequest) -> HttpResponse:
    """After the password: a code from the authenticator, one recovery code, or a security key
    (its ceremony runs in `security_key_views`)."""
    user = request.user
    if mfa.session_verified(request):
        return HttpResponseRedirect(_next(request))
    if not mfa.has_second_factor(user):
        return HttpResponseRedirect(reverse("accounts:mfa_enrol"))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        blocked = mfa.throttled(user)
        if mfa.second_factor_check(request=request, user=user, code=form.cleaned_data["code"]):
            left = mfa.remaining_recovery_codes(user)
            if left <= 3:
                messages.warning(
                    request,
                    _(
                        "Only %(count)s recovery codes are left: make new ones on your "
                        "security page."
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(_next(request))
        if blocked:
            form.add_error("code", _("Too many wrong codes: wait a minute, then try again."))
        else:
            form.add_error(
                "code",
                _("This code is not right, or it was already used. Nothing was changed."),
            )
    has_totp = mfa.totp_device(user) is not None
    if not has_totp:
        form.fields["code"].label = _("One of your recovery codes")
    context = {
        "form": form,
        "next": _next(request),
        "has_totp": has_totp,
        "has_key": security_keys.has_security_key(user),
    }
    return render(request, "accounts/mfa_verify.html", context)


@require_http_methods(["GET", "POST"])
def mfa_enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (drawn here, nothing fetched), type a code.

    A user who already has one replaces it only after confirming who they are.
    """
    user = request.user
    if mfa.has_second_factor(user) and not (
        mfa.session_verified(request) and mfa.recently_authenticated(request)
    ):
        if not mfa.session_verified(request):
            return HttpResponseRedirect(reverse("accounts:mfa_verify"))
        return HttpResponseRedirect(
            f"{reverse('accounts:reauthenticate')}?next={reverse('accounts:mfa_enrol')}"
        )
    device = mfa.pending_enrolment(user)
    if device is None or (request.method == "GET" and not request.GET.get("keep")):
        device = mfa.totp_enrolment_start(user=user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_enrolment_confirm(
            request=request, user=user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next(request), "enrolled": True},
            )
        form.add_error(
            "code", _("This code does not match. Check the time on your phone and try again.")
        )
    context = {
        "form": form,
        "qr": mfa.qr_svg(device),
        "secret": mfa.secret_for_typing(device),
        "next": _next(request),
        "required": mfa.mfa_required(user),
    }
    return render(request, "accounts/mfa_enrol.html", context)


@require_GET
def security(request: AuthenticatedRequest) -> HttpResponse:
    """One's own sign-in security: the authenticator, the security keys, how many recovery
    codes are left."""
    user = request.user
    context = {
        "enrolled": mfa.has_second_factor(user),
        "has_totp": mfa.totp_device(user) is not None,
        "keys": list(security_keys.security_keys_of(user)),
        "key_form": SecurityKeyNameForm(),
        "codes_left": mfa.remaining_recovery_codes(user),
        "required": mfa.mfa_required(user),
    }
    return render(request, "accounts/security.html", context)


@require_POST
@mfa.recent_authentication_required
def recovery_codes_renew(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not mfa.has_second_factor(user):
        return HttpResponseRedirect(reverse("accounts:security"))
    codes = mfa.recovery_codes_renew(user=user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:security"), "enrolled": False},
    )


@require_http_methods(["GET", "POST"])
def reauthenticate(request: AuthenticatedRequest) -> HttpResponse:
    """Confirm the password (and the second factor: a code, or a security key whose check
    submits this form) before a sensitive action."""
    user = request.user
    form = ReauthenticationForm(request.POST or None)
    needs_code = mfa.has_second_factor(user)
    if request.method == "POST" and form.is_valid():
        if mfa.reauthenticate(
            request=request,
            user=user,
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
            key_checked=security_keys.take_key_check(request),
        ):
            return HttpResponseRedirect(_next(request))
        form.add_error(
            None,
            _("The password or the code is not right. Nothing was done."),
        )
    has_key = security_keys.has_security_key(user)
    if not needs_code:
        del form.fields["code"]
    elif has_key:
        form.fields["code"].label = _("Or a code from your authenticator app, or a recovery code")
    context = {"form": form, "next": _next(request), "has_key": has_key}
    return render(request, "accounts/reauthenticate.html", context)
