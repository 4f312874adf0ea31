"""The node's URL map. Public: sign-in, language switch, static files and /healthz."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from kinlink.accounts.views import set_language
from kinlink.api.core import api, register_routers
from kinlink.core import views as core_views
from kinlink.exchange import views as exchange_views
from kinlink.exchange.urls import case_urlpatterns as exchange_case_urls


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


register_routers()

urlpatterns = [
    path("api/v1/", api.urls),
    path("integration/", include("kinlink.api.urls")),
    path("", core_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/language/", set_language, name="set_language"),
    path("accounts/", include("kinlink.accounts.urls")),
    # django-otp-webauthn's ceremonies and script translations, under its own namespace.
    path("accounts/", include("kinlink.accounts.security_key_urls")),
    path("audit/", include("kinlink.audit.urls")),
    path("cases/", include("kinlink.cases.urls")),
    path("directory/", include("kinlink.directory.urls")),
    path("cases/<uuid:case_id>/care/", include("kinlink.care.urls")),
    path("cases/<uuid:case_id>/assessments/", include("kinlink.assessments.urls")),
    path("cases/<uuid:case_id>/plans/", include("kinlink.plans.urls")),
    path("cases/<uuid:case_id>/exchange/", include((exchange_case_urls, "exchange_case"))),
    path("exchange/", include("kinlink.exchange.urls")),
    path("reports/", include("kinlink.reports.urls")),
    path("tracing/", include("kinlink.tracing.urls")),
    path(".well-known/kinlink/node", exchange_views.node_document, name="node_document"),
]

handler403 = "kinlink.core.views.permission_denied"
handler404 = "kinlink.core.views.page_not_found"
handler500 = "kinlink.core.views.server_error"
