"""Forms for signing in and for administering users, teams and node settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Role, Team, User
from kinlink.core.models import MFAEnforcement, RetentionAction


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Both are case-sensitive."),
        "inactive": _("This account is switched off. Ask your node administrator."),
    }


class PasswordFields(forms.Form):
    password1 = forms.CharField(
        label=_("Password (at least 15 characters)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def check_passwords(self, user: User | None) -> None:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class UserForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Interface language"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, agency_id: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)  # noqa: S101
        teams.queryset = Team.objects.filter(agency_id=agency_id)


class UserCreateForm(UserForm, PasswordFields):
    username = forms.SlugField(label=_("Username"), max_length=150)
    field_order = ["username", "full_name", "email", "role", "teams", "language"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_passwords(
            User(
                username=data.get("username", ""),
                email=data.get("email", ""),
                full_name=data.get("full_name", ""),
            )
        )
        return data


class UserEditForm(UserForm):
    is_active = forms.BooleanField(label=_("Account active"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SetPasswordForm(PasswordFields):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_passwords(self.user)
        return data


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=120)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NodeSettingsForm(forms.Form):
    risk_high_response_hours = forms.IntegerField(
        label=_("First response for high risk (hours)"), min_value=1, max_value=24 * 30
    )
    risk_medium_response_hours = forms.IntegerField(
        label=_("First response for medium risk (hours)"), min_value=1, max_value=24 * 60
    )
    risk_low_response_hours = forms.IntegerField(
        label=_("First response for low risk (hours)"), min_value=1, max_value=24 * 90
    )
    guardian_appointment_days = forms.IntegerField(
        label=_("Days to appoint a guardian for an unaccompanied child"),
        min_value=1,
        max_value=90,
    )
    ageing_out_months = forms.IntegerField(
        label=_("Months before the 18th birthday to start transition planning"),
        min_value=1,
        max_value=24,
    )
    tracing_before_adoption_months = forms.IntegerField(
        label=_("Months of tracing before adoption or kafala may be considered"),
        min_value=6,
        max_value=120,
    )
    bid_panel_quorum = forms.IntegerField(
        label=_("Members needed for a best-interests panel"), min_value=2, max_value=9
    )
    trafficking_reflection_days = forms.IntegerField(
        label=_("Recovery and reflection period for suspected trafficking (days)"),
        min_value=30,
        max_value=365,
    )
    mfa_enforcement = forms.ChoiceField(
        label=_("Who must sign in with a second factor"), choices=MFAEnforcement.choices
    )
    retention_years = forms.IntegerField(
        label=_("Years a closed case is kept"), min_value=1, max_value=100
    )
    retention_action = forms.ChoiceField(
        label=_("What happens to a closed case after that"), choices=RetentionAction.choices
    )
    network_statistics_peer = forms.ChoiceField(
        label=_("Network node that receives this node's statistics"),
        required=False,
        choices=lambda: network_peer_choices(),
        help_text=_("Counts only, small counts hidden; sent once a day."),
    )
    audit_witness_peer = forms.ChoiceField(
        label=_("Network node that witnesses this node's audit trail"),
        required=False,
        choices=lambda: network_peer_choices(),
        help_text=_(
            "Once a day this node signs the last event of its audit trail and sends it there, "
            "so that the trail cannot be rewritten unseen."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows now"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SecurityKeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("A name for the key"),
        help_text=_("So that you can tell your keys apart, e.g. “Blue key on my keyring”."),
        max_length=64,
    )


class ReauthenticationForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


def network_peer_choices() -> list[tuple[str, str]]:
    """Active peers by node id. Read lazily: accounts does not depend on the exchange."""
    from kinlink.exchange.models import Peer, PeerStatus

    peers = Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("name")
    return [("", str(_("None"))), *((p.node_id, f"{p.name} ({p.node_id})") for p in peers)]
