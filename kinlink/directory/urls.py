"""Mounted at /directory/. Countries are named by their code, other records by their id."""

from django.urls import path

from kinlink.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.country_list, name="countries"),
    path("countries/<str:code>/", views.country_detail, name="country"),
    path("countries/<str:code>/edit/", views.country_edit, name="country_edit"),
    path("countries/<str:code>/statuses/new/", views.status_add, name="status_add"),
    path("countries/<str:code>/notes/new/", views.note_add, name="note_add"),
    path("statuses/<uuid:status_id>/", views.status_edit, name="status_edit"),
    path("notes/<uuid:note_id>/", views.note_detail, name="note"),
    path("notes/<uuid:note_id>/edit/", views.note_edit, name="note_edit"),
    path("agencies/", views.agency_list, name="agencies"),
    path("agencies/new/", views.agency_add, name="agency_add"),
    path("agencies/<uuid:agency_id>/", views.agency_detail, name="agency"),
    path("agencies/<uuid:agency_id>/edit/", views.agency_edit, name="agency_edit"),
    path("between/", views.between, name="between"),
    path("import/", views.directory_import, name="import"),
    path("export/", views.directory_export, name="export"),
]
