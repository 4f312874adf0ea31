from django.urls import path

from kinlink.tracing import views

app_name = "tracing"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("review/", views.review, name="review"),
    path("review/match-all/", views.match_all, name="match_all"),
    path("review/<uuid:suggestion_id>/", views.suggestion, name="suggestion"),
    path("cases/<uuid:case_id>/duplicates/", views.case_duplicates, name="case_duplicates"),
    path("<uuid:request_id>/", views.request_detail, name="detail"),
    path("<uuid:request_id>/edit/", views.request_edit, name="edit"),
    path("<uuid:request_id>/move/", views.request_move, name="move"),
    path("<uuid:request_id>/actions/", views.action_add, name="action_add"),
    path("<uuid:request_id>/verification/", views.verification_add, name="verification_add"),
    path("<uuid:request_id>/match/", views.request_match, name="match"),
]
