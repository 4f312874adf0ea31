"""Forms of the integration pages: issuing an API token, importing a Primero export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Role, Team, User
from kinlink.cases.models import CaseType, ReferralSource


class TokenIssueForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Account the token acts as"),
        queryset=User.objects.none(),
        help_text=_(
            "A person's account, or an integration account created for a system on the "
            "Users page. The token can do exactly what this account can."
        ),
    )
    name = forms.CharField(label=_("Name (the system or person using it)"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)

    def __init__(self, *args: Any, agency_id: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            agency_id=agency_id, is_active=True
        ).order_by("full_name")


class PrimeroImportForm(forms.Form):
    CHECK, CLEAN, GOOD_ROWS = "check", "clean", "good_rows"

    file = forms.FileField(
        label=_("Primero export (JSON or CSV)"),
        help_text=_("Exported from Primero v2: Cases, Export, JSON or CSV."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    lead_caseworker = forms.ModelChoiceField(
        label=_("Lead caseworker"), queryset=User.objects.none()
    )
    case_type = forms.ChoiceField(
        label=_("Case type for cases that do not say"), choices=CaseType.choices
    )
    referral_source = forms.ChoiceField(
        label=_("Referred by, for cases that do not say"),
        choices=ReferralSource.choices,
        initial=ReferralSource.OTHER,
    )
    mode = forms.ChoiceField(
        label=_("What to do"),
        widget=forms.RadioSelect,
        initial=CHECK,
        choices=[
            (CHECK, _("Check only: show what maps and what does not (dry run)")),
            (CLEAN, _("Import, only if every row is good")),
            (GOOD_ROWS, _("Import the good rows and leave out the bad ones")),
        ],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = user.teams.all()
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["lead_caseworker"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            agency=user.agency,
            is_active=True,
            role__in=[Role.CASEWORKER, Role.SUPERVISOR],
        ).order_by("full_name")
