from django.urls import path

from kinlink.audit import views

app_name = "audit"

urlpatterns = [
    path("checkpoints/", views.checkpoints, name="checkpoints"),
    path("checkpoints/<uuid:peer_id>.json", views.checkpoints_held, name="checkpoints_held"),
]
