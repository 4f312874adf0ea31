"""Pages of the security keys (name one, add it, remove one) and django-otp-webauthn's ceremony
views under Kinlink's rules (`security_keys`).

The library's views answer its JavaScript in JSON. They are subclassed here, not forked: who may
register is Kinlink's verified and recently confirmed session (not django-otp's device in the
session, which Kinlink does not use), a stored key gets its typed name and an audit event, and
every refused answer of a key is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
    _get_pywebauthn_logger,
)

from kinlink.accounts import mfa, security_keys
from kinlink.accounts.forms import SecurityKeyNameForm
from kinlink.core.http import AuthenticatedRequest

# Pages


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def security_key_add(request: AuthenticatedRequest) -> HttpResponse:
    """Name the key, then touch it: the library's script registers it and our script sends the
    page on to `security_key_done`."""
    form = SecurityKeyNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        security_keys.security_key_registration_start(
            request=request, name=form.cleaned_data["name"]
        )
        return render(
            request, "accounts/security_key_add.html", {"name": form.cleaned_data["name"]}
        )
    return render(request, "accounts/security_key_add.html", {"form": form})


@require_POST
def security_key_done(request: AuthenticatedRequest) -> HttpResponse:
    """After a key was registered: recovery codes for a first second factor, else back to the
    security page."""
    codes = security_keys.recovery_codes_for_a_first_key(user=request.user)
    if codes is not None:
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:security"), "enrolled": "key"},
        )
    if security_keys.has_security_key(request.user):
        messages.success(request, _("Your security key was added."))
    return HttpResponseRedirect(reverse("accounts:security"))


@require_http_methods(["GET", "POST"])
@mfa.recent_authentication_required
def security_key_remove(request: AuthenticatedRequest, key_id: int) -> HttpResponse:
    """Ask, then remove one of one's own keys (another's answers 404)."""
    key = security_keys.get_security_key_for(request.user, key_id)
    if request.method == "POST":
        try:
            security_keys.security_key_remove(actor=request.user, key=key)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The key “%(name)s” was removed.") % {"name": key.name})
        return HttpResponseRedirect(reverse("accounts:security"))
    context = {"key": key, "can_remove": security_keys.can_remove(request.user, key)}
    return render(request, "accounts/security_key_remove.html", context)


# The library's ceremonies


class RegistrationRules:
    """Registering a key needs Kinlink's verified, recently confirmed session and a name."""

    request: AuthenticatedRequest

    def _check_user_verified(self, user: Any) -> None:
        # The library asks django-otp's `user.is_verified()`; Kinlink keeps its own flag in the
        # session, checked with the rest in `check_can_register`.
        return None

    def check_can_register(self) -> None:
        if not security_keys.registration_allowed(self.request):
            raise webauthn_errors.NotVerified(
                detail=_("Confirm it is you on your security page, then name the key again.")
            )


class BeginRegistration(RegistrationRules, BeginCredentialRegistrationView):
    pass


class CompleteRegistration(RegistrationRules, CompleteCredentialRegistrationView):
    """Stores the key with its name and an audit event; a refused answer is audited."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        user = self.request.user
        state = self.get_state()
        helper = self.get_helper()
        with rewrite_exceptions(logger=_get_pywebauthn_logger()), transaction.atomic():
            # The library's dispatch has put the parsed JSON body on the request.
            data = self.request.data  # type: ignore[attr-defined]
            key = helper.register_complete(user=user, state=state, data=data)
            security_keys.security_key_registered(request=self.request, user=user, key=key)
        return JsonResponse({"id": key.pk})

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError):
            security_keys.security_key_failed(
                request=self.request, user=self.request.user, step="enrolment", reason=exc.code
            )
        return super().handle_exception(exc)


class BeginAuthentication(BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(CompleteCredentialAuthenticationView):
    """After the password the key verifies the session; on the confirmation page it stands for
    the code, and the page's own form goes on with the password (no redirect from here)."""

    reauthenticating = False

    def complete_auth(self, device: Any) -> None:
        super().complete_auth(device)  # django-otp's login: the device noted in the session
        self.reauthenticating = security_keys.security_key_checked(
            request=self.request, user=self.request.user, key=device
        )

    def get_success_url(self) -> str:
        if self.reauthenticating:
            return ""
        return str(super().get_success_url())

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError):
            security_keys.security_key_failed(
                request=self.request, user=self.request.user, step="sign_in", reason=exc.code
            )
        return super().handle_exception(exc)
