from django.urls import path

from kinlink.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("new/duplicates/", views.duplicate_check, name="duplicates"),
    path("emergency-access/", views.break_glass, name="break_glass"),
    path("statistics/", views.statistics, name="statistics"),
    path("my-day/", views.my_day, name="my_day"),
    path("approvals/<uuid:approval_id>/decision/", views.approval_decide, name="approval_decide"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/history/", views.case_history, name="history"),
    path("<uuid:case_id>/edit/", views.case_edit, name="edit"),
    path("<uuid:case_id>/people/new/", views.person_add, name="person_add"),
    path("<uuid:case_id>/consents/new/", views.consent_add, name="consent_add"),
    path("<uuid:case_id>/first-response/", views.first_response, name="first_response"),
    path("<uuid:case_id>/missing/", views.missing_report, name="missing_report"),
    path("<uuid:case_id>/assignment/", views.case_assign, name="assign"),
    path("<uuid:case_id>/moves/<slug:name>/", views.transition, name="transition"),
    path("<uuid:case_id>/tasks/<uuid:task_id>/done/", views.task_complete, name="task_complete"),
]
