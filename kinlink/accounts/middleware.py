"""Session limits, the user's language, and sign-in required everywhere but the public pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

# The exchange's inbox and node document are public: peers authenticate by signature. The API
# authenticates every call by its token (kinlink.api.core.TokenAuth), never by a session.
PUBLIC_PREFIXES = (
    "/api/v1/",
    "/accounts/login/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/exchange/inbox",
    "/.well-known/kinlink/",
)
SESSION_STARTED = "kinlink_started"
SESSION_SEEN = "kinlink_seen"


class SessionLimitsMiddleware:
    """Ends a session after 30 minutes idle or 12 hours in all (settings decide the values)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN)
            if started is None:
                request.session[SESSION_STARTED] = now.isoformat()
            elif now - datetime.fromisoformat(started) > settings.KINLINK_SESSION_ABSOLUTE or (
                seen and now - datetime.fromisoformat(seen) > settings.KINLINK_SESSION_IDLE
            ):
                too_long = now - datetime.fromisoformat(started) > settings.KINLINK_SESSION_ABSOLUTE
                request.kinlink_session_ended = "absolute" if too_long else "idle"  # type: ignore[attr-defined]
                logout(request)
                request.session["kinlink_expired"] = True
                return redirect_to_login(request.path)
            # Write the session at most once a minute: cheap on SQLite, precise enough.
            if not seen or (now - datetime.fromisoformat(seen)).total_seconds() > 60:
                request.session[SESSION_SEEN] = now.isoformat()
        return self.get_response(request)


# What a signed-in user whose second factor is not checked yet may reach.
SECOND_FACTOR_PATHS = (
    "/accounts/second-factor/",
    "/accounts/logout/",
    *PUBLIC_PREFIXES,
)


class SecondFactorMiddleware:
    """A session is verified only once the second factor was checked in it.

    Until then a user who has an authenticator is sent to enter a code, and a user whom the node
    requires to have one (and who has none) is sent to enrol; nothing else is reachable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from kinlink.accounts import mfa

        user = request.user
        if (
            user.is_authenticated
            and not mfa.session_verified(request)
            and not request.path.startswith(SECOND_FACTOR_PATHS)
        ):
            query = urlencode({"next": request.path})
            if mfa.has_second_factor(user):
                return HttpResponseRedirect(f"{reverse('accounts:mfa_verify')}?{query}")
            if mfa.mfa_required(user):
                return HttpResponseRedirect(f"{reverse('accounts:mfa_enrol')}?{query}")
            # Neither enrolled nor required: the password was the whole check for this session
            # (a change of the node setting applies from the next sign-in).
            request.session[mfa.MFA_VERIFIED_AT] = "not required"
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class LoginRequiredMiddleware:
    """Nothing but the sign-in page, language switch and static files is public.

    The sign-in page keeps only the path in `next`: a query string can hold a searched name.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.path)
        return self.get_response(request)
