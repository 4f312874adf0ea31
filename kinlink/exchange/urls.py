"""Mounted at /exchange/ (and the draft form under /cases/<case_id>/exchange/)."""

from django.urls import path

from kinlink.exchange import views

app_name = "exchange"
urlpatterns = [
    path("inbox", views.inbox_endpoint, name="inbox"),
    path("", views.request_list, name="request_list"),
    path("requests/<uuid:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<uuid:request_id>/edit/", views.request_edit, name="request_edit"),
    path("requests/<uuid:request_id>/submit/", views.request_submit, name="request_submit"),
    path("requests/<uuid:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<uuid:request_id>/close/", views.request_close, name="request_close"),
    path("requests/<uuid:request_id>/message/", views.message_post, name="message_post"),
    path("requests/<uuid:request_id>/accept/", views.incoming_accept, name="incoming_accept"),
    path("requests/<uuid:request_id>/decline/", views.incoming_decline, name="incoming_decline"),
    path("requests/<uuid:request_id>/reply/", views.incoming_reply, name="incoming_reply"),
    path("documents/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("peers/", views.peer_list, name="peer_list"),
    path("peers/new/", views.peer_register, name="peer_register"),
    path("peers/<uuid:peer_id>/", views.peer_detail, name="peer_detail"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("outbox/<uuid:envelope_id>/retry/", views.outbox_retry, name="outbox_retry"),
]

case_urlpatterns = [
    path("new/", views.request_new, name="request_new"),
]
