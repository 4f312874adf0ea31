from django.urls import path

from kinlink.accounts import mfa_views, security_key_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("second-factor/", mfa_views.mfa_verify, name="mfa_verify"),
    path("second-factor/enrol/", mfa_views.mfa_enrol, name="mfa_enrol"),
    path("security/", mfa_views.security, name="security"),
    path("security/recovery-codes/", mfa_views.recovery_codes_renew, name="recovery_codes"),
    path("security/keys/new/", security_key_views.security_key_add, name="security_key_add"),
    path("security/keys/done/", security_key_views.security_key_done, name="security_key_done"),
    path(
        "security/keys/<int:key_id>/remove/",
        security_key_views.security_key_remove,
        name="security_key_remove",
    ),
    path("confirm/", mfa_views.reauthenticate, name="reauthenticate"),
    path("notifications/", views.notification_list, name="notifications"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path(
        "users/<int:user_id>/second-factor/reset/",
        views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path("role-changes/", views.role_change_list, name="role_change_list"),
    path(
        "role-changes/<uuid:change_id>/decide/",
        views.role_change_decide,
        name="role_change_decide",
    ),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<uuid:team_id>/", views.team_edit, name="team_edit"),
    path("settings/", views.node_settings, name="node_settings"),
]
