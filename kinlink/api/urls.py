from django.urls import path

from kinlink.api import views

app_name = "integration"
urlpatterns = [
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_issue, name="token_issue"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("primero-import/", views.primero_import, name="primero_import"),
]
