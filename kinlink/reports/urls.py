from django.urls import path

from kinlink.reports import views

app_name = "reports"
urlpatterns = [
    path("my-caseload/", views.caseload, name="caseload"),
    path("team/", views.team, name="team"),
    path("node/", views.node, name="node"),
    path("network/", views.network_dashboard, name="network"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("cases/<uuid:case_id>/documents/", views.document, name="document"),
    path("cases/<uuid:case_id>/subject-bundle/", views.subject_bundle, name="subject_bundle"),
]
