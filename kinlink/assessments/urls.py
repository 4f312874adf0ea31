"""Mounted at /cases/<uuid:case_id>/assessments/: every view takes the case's id."""

from django.urls import path

from kinlink.assessments import views

app_name = "assessments"
urlpatterns = [
    path("views/new/", views.views_add, name="views_add"),
    path("new/", views.assessment_add, name="assessment_add"),
    path("<uuid:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("<uuid:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("<uuid:assessment_id>/submit/", views.assessment_submit, name="assessment_submit"),
    path("risk/new/", views.risk_add, name="risk_add"),
    path("age/new/", views.age_add, name="age_add"),
    path("age/<uuid:age_id>/", views.age_update, name="age_update"),
    path("tracing/", views.tracing_update, name="tracing_update"),
    path("family/new/", views.family_add, name="family_add"),
    path("verification/new/", views.verification_add, name="verification_add"),
    path("trafficking/new/", views.trafficking_add, name="trafficking_add"),
    path("bid/new/", views.bid_start, name="bid_start"),
    path("bid/<uuid:bid_id>/", views.bid_detail, name="bid_detail"),
    path("bid/<uuid:bid_id>/options/", views.bid_option_add, name="bid_option_add"),
    path("bid/<uuid:bid_id>/members/", views.bid_member_add, name="bid_member_add"),
    path("bid/<uuid:bid_id>/submit/", views.bid_submit, name="bid_submit"),
    path("bid/<uuid:bid_id>/decide/", views.bid_decide, name="bid_decide"),
    path("bid/<uuid:bid_id>/defer/", views.bid_defer, name="bid_defer"),
]
