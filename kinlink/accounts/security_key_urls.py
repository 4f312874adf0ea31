"""django-otp-webauthn's routes, under the namespace its template tags reverse (`otp_webauthn`).

Registration lives under the security page (a verified session only); checking a key and the
script translations under the second-factor pages, which a session reaches before it is
verified (`SecondFactorMiddleware`).
"""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from kinlink.accounts import security_key_views as views

app_name = "otp_webauthn"
urlpatterns = [
    path(
        "security/keys/registration/begin/",
        views.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "security/keys/registration/complete/",
        views.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "second-factor/key/begin/",
        views.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "second-factor/key/complete/",
        views.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "second-factor/key/translations.js",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
