"""Forms for a child's case. They translate HTML input into service arguments and show the
services' validation messages beside the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Role, Team, User
from kinlink.cases.models import (
    AssignmentRole,
    Case,
    CaseType,
    ConsentGiver,
    ConsentScope,
    LegalBasis,
    Relationship,
    RiskLevel,
    Stage,
)
from kinlink.cases.validation import (
    CONSENT_MISSING,
    CONSENT_SCOPE_MISSING,
    check_identity,
    check_name,
)
from kinlink.directory.reference import country_choices, language_choices


def optional(choices: Callable[[], list[tuple[str, str]]]) -> Callable[[], list[Any]]:
    """A choice list with an empty first option, still computed in the reader's language."""
    return lambda: [("", "—"), *choices()]


def set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Limit a model choice field to what the current user may pick."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (a programming error)
    field.queryset = queryset


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AliasesField(forms.CharField):
    """Other names, one per line."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()][:10]

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list) else value or ""


class IdentityForm(forms.ModelForm):
    """The child's identity and the case's first facts (registration and later edits)."""

    aliases = AliasesField(
        label=_("Other names and spellings (one per line)"), required=False, max_length=1000
    )
    nationalities = forms.MultipleChoiceField(
        label=_("Nationalities"), required=False, choices=country_choices
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), required=False, choices=language_choices
    )
    country_of_origin = forms.ChoiceField(
        label=_("Country of origin"), required=False, choices=optional(country_choices)
    )

    class Meta:
        model = Case
        fields = [
            "given_name",
            "family_name",
            "given_name_original",
            "family_name_original",
            "original_script",
            "aliases",
            "sex",
            "date_of_birth",
            "dob_estimated",
            "dob_basis",
            "age_estimate",
            "age_disputed",
            "nationality_status",
            "nationalities",
            "languages",
            "country_of_origin",
            "place_of_origin",
            "current_location",
            "case_type",
            "separation_status",
            "referral_source",
            "referral_date",
            "risk_level",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "referral_date": DateInput(),
            "given_name_original": forms.TextInput(attrs={"dir": "auto"}),
            "family_name_original": forms.TextInput(attrs={"dir": "auto"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["age_estimate"].widget.attrs.update({"min": 0, "max": 25})
        self.fields["given_name"].widget.attrs.update({"autocomplete": "off"})
        if self.instance._state.adding and not self.initial.get("referral_date"):
            self.initial["referral_date"] = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, messages in check_identity(data).items():
            for message in messages:
                if field in self.fields and field not in self.errors:
                    self.add_error(field, message)
        return data

    def _post_clean(self) -> None:
        # The service writes the model; the form only validates field by field.
        pass

    def identity(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class RegistrationForm(IdentityForm):
    """Registration adds consent, assignment and the duplicate review to the identity."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    lead_caseworker = forms.ModelChoiceField(
        label=_("Lead caseworker"), queryset=User.objects.none()
    )
    consent_given_by = forms.ChoiceField(
        label=_("Consent or assent given by"),
        choices=[("", _("Nobody yet: acting without consent")), *ConsentGiver.choices],
        required=False,
    )
    consent_given_by_name = forms.CharField(
        label=_("Name of who gave it"), max_length=200, required=False
    )
    consent_scopes = forms.MultipleChoiceField(
        label=_("Consent covers"),
        choices=ConsentScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_language = forms.ChoiceField(
        label=_("Language used"), required=False, choices=optional(language_choices)
    )
    consent_legal_basis = forms.ChoiceField(
        label=_("Legal basis for acting without consent"),
        choices=[("", "—"), *LegalBasis.choices],
        required=False,
    )
    consent_reason = forms.CharField(
        label=_("Why consent could not be obtained"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duplicates_reviewed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "team", user.teams.all())
        set_queryset(
            self,
            "lead_caseworker",
            User.objects.filter(
                agency=user.agency, role__in=[Role.CASEWORKER, Role.SUPERVISOR], is_active=True
            ),
        )
        first_team = user.teams.first()
        self.fields["team"].initial = first_team.pk if first_team else None
        self.fields["lead_caseworker"].initial = user.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A consent field refused on its own (too long, not a choice) is missing from the
        # cleaned data: say only what is wrong with it, not that consent is missing too.
        consent_fields = (
            "consent_given_by",
            "consent_scopes",
            "consent_legal_basis",
            "consent_reason",
        )
        if any(name in self.errors for name in consent_fields):
            return data
        if data.get("consent_given_by"):
            if not data.get("consent_scopes"):
                self.add_error("consent_scopes", CONSENT_SCOPE_MISSING)
        elif not data.get("consent_legal_basis") or not (data.get("consent_reason") or "").strip():
            self.add_error("consent_reason", CONSENT_MISSING)
        return data

    def consent(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_by": data.get("consent_given_by"),
            "given_by_name": data.get("consent_given_by_name"),
            "scopes": data.get("consent_scopes"),
            "language": data.get("consent_language"),
            "legal_basis": data.get("consent_legal_basis"),
            "reason_without_consent": data.get("consent_reason"),
        }


class CaseEditForm(IdentityForm):
    """Editing carries the version the form was opened at: a stale save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name (Latin letters)"), max_length=200)
    full_name_original = forms.CharField(
        label=_("Full name (original script)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the child"), choices=Relationship.choices
    )
    country = forms.ChoiceField(
        label=_("Country of residence"), required=False, choices=optional(country_choices)
    )
    contact = forms.CharField(label=_("Contact (phone, address)"), max_length=300, required=False)
    is_carer = forms.BooleanField(label=_("Currently cares for the child"), required=False)
    is_guardian = forms.BooleanField(label=_("Guardian / person of reference"), required=False)
    lives_with_child = forms.BooleanField(
        label=_("Lives with the child (or in care with the child)"), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_full_name(self) -> str:
        value: str = self.cleaned_data["full_name"]
        check_name(value)
        return value

    def clean_full_name_original(self) -> str:
        value: str = self.cleaned_data["full_name_original"]
        check_name(value)
        return value


class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(
        label=_("Consent or assent given by"),
        choices=[("", _("Nobody: acting without consent")), *ConsentGiver.choices],
        required=False,
    )
    given_by_name = forms.CharField(label=_("Name of who gave it"), max_length=200, required=False)
    scopes = forms.MultipleChoiceField(
        label=_("Consent covers"),
        choices=ConsentScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    given_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    language = forms.ChoiceField(
        label=_("Language used"), required=False, choices=optional(language_choices)
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis for acting without consent"),
        choices=[("", "—"), *LegalBasis.choices],
        required=False,
    )
    reason_without_consent = forms.CharField(
        label=_("Why consent could not be obtained"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_given_on(self) -> Any:
        value = self.cleaned_data["given_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    lead_caseworker = forms.ModelChoiceField(
        label=_("Lead caseworker"), queryset=User.objects.none()
    )
    add_user = forms.ModelChoiceField(
        label=_("Add a person"), queryset=User.objects.none(), required=False
    )
    add_role = forms.ChoiceField(
        label=_("in the role of"), choices=AssignmentRole.choices, required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "team", Team.objects.filter(agency_id=case.agency_id))
        staff = User.objects.filter(agency_id=case.agency_id, is_active=True)
        set_queryset(self, "lead_caseworker", staff.filter(role=Role.CASEWORKER))
        set_queryset(
            self,
            "add_user",
            staff.filter(
                role__in=[Role.CASEWORKER, Role.GUARDIAN, Role.PANEL_MEMBER, Role.CA_LIAISON]
            ),
        )


class BreakGlassForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=32)
    reason = forms.CharField(
        label=_("Why you need this case now"),
        max_length=2000,
        min_length=20,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Show"),
        choices=[("mine", _("My cases")), ("team", _("All cases I can see"))],
        required=False,
    )
    q = forms.CharField(label=_("Name or reference"), max_length=100, required=False)
    stage = forms.ChoiceField(
        label=_("Step"), choices=[("", _("Any")), *Stage.choices], required=False
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any")), *RiskLevel.choices], required=False
    )
    case_type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Any")), *CaseType.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MissingReportForm(forms.Form):
    """The child reported missing: when last seen, how, and which police or authority was told."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    last_seen_at = forms.DateTimeField(label=_("Last seen"), widget=DateTimeInput())
    circumstances = forms.CharField(
        label=_("Where and how the child went missing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    authority = forms.CharField(label=_("Police or authority notified"), max_length=200)
    notified_at = forms.DateTimeField(label=_("Notified on"), widget=DateTimeInput())
    authority_reference = forms.CharField(
        label=_("Their reference (report number)"), max_length=100, required=False
    )
