"""The node's URL map. Public: sign-in, language switch, static files and /healthz."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from kinlink.accounts.views import set_language
from kinlink.core import views as core_views


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/language/", set_language, name="set_language"),
    path("accounts/", include("kinlink.accounts.urls")),
    path("cases/", include("kinlink.cases.urls")),
    path("directory/", include("kinlink.directory.urls")),
    path("cases/<uuid:case_id>/care/", include("kinlink.care.urls")),
    path("cases/<uuid:case_id>/assessments/", include("kinlink.assessments.urls")),
    path("cases/<uuid:case_id>/plans/", include("kinlink.plans.urls")),
]

handler403 = "kinlink.core.views.permission_denied"
handler404 = "kinlink.core.views.page_not_found"
handler500 = "kinlink.core.views.server_error"
