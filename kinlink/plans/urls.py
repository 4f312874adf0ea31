"""Mounted at /cases/<uuid:case_id>/plans/: every view takes the case's id."""

from django.urls import path

from kinlink.plans import views

app_name = "plans"
urlpatterns = [
    path("action-plan/new/", views.action_plan_create, name="action_plan_create"),
    path(
        "action-plan/<uuid:plan_id>/lines/new/",
        views.action_plan_item_add,
        name="action_plan_item_add",
    ),
    path(
        "action-plan/lines/<uuid:item_id>/",
        views.action_plan_item_edit,
        name="action_plan_item_edit",
    ),
    path(
        "action-plan/<uuid:plan_id>/submit/",
        views.action_plan_submit,
        name="action_plan_submit",
    ),
    path("return/", views.return_preparation, name="return_preparation"),
    path("siblings/", views.sibling_decision, name="sibling_decision"),
    path("placement-abroad/", views.placement_abroad, name="placement_abroad"),
    path("follow-up/new/", views.follow_up_create, name="follow_up_create"),
    path("follow-up/visits/<uuid:visit_id>/report/", views.visit_report, name="visit_report"),
    path("closure/", views.closure_request, name="closure_request"),
]
