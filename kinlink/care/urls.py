"""Mounted at /cases/<uuid:case_id>/care/: every view takes the case's id."""

from django.urls import path

from kinlink.care import views

app_name = "care"
urlpatterns = [
    path("arrangements/new/", views.care_start, name="care_start"),
    path("arrangements/<uuid:arrangement_id>/end/", views.care_end, name="care_end"),
    path("detention/new/", views.detention_add, name="detention_add"),
    path("detention/<uuid:detention_id>/end/", views.detention_end, name="detention_end"),
    path("guardian/request/", views.guardian_request, name="guardian_request"),
    path("guardian/appoint/", views.guardian_appoint, name="guardian_appoint"),
    path("guardian/end/", views.guardian_end, name="guardian_end"),
    path("guardian/exception/", views.guardian_exception, name="guardian_exception"),
    path("transition-plan/", views.transition_plan, name="transition_plan"),
    path("plan/", views.plan_edit, name="plan_edit"),
    path("plan/submit/", views.plan_submit, name="plan_submit"),
    path("plan/goals/new/", views.goal_add, name="goal_add"),
    path("plan/goals/<uuid:goal_id>/complete/", views.goal_complete, name="goal_complete"),
    path("legal/new/", views.legal_add, name="legal_add"),
    path("legal/<uuid:procedure_id>/", views.legal_edit, name="legal_edit"),
]
