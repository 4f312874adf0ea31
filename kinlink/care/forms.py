"""Forms of care records: HTML input to service arguments. Fields borrow their labels and
limits from the models; the services hold the rules and their messages show beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import User
from kinlink.care.models import (
    DETENTION,
    CareArrangement,
    CareType,
    DetentionRecord,
    Goal,
    GuardianException,
    Guardianship,
    GuardianshipEndReason,
    LegalProcedure,
    SupportPlan,
    TransitionPlan,
)
from kinlink.cases.forms import DateInput, optional, set_queryset
from kinlink.directory.reference import country_choices, language_choices


def _f(model: type[models.Model], name: str, **kwargs: Any) -> Any:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 (a programming error)
    if isinstance(field, models.DateField):
        kwargs.setdefault("widget", DateInput())
    if isinstance(field, models.TextField):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
    return field.formfield(**kwargs)


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CareTypeField(forms.ChoiceField):
    """The care types, and "detention" let through so that the service refuses it with a
    message pointing to the detention record (SG-01), rather than "not a valid choice"."""

    def valid_value(self, value: Any) -> bool:
        return value == DETENTION or super().valid_value(value)


class CareStartForm(forms.Form):
    care_type = CareTypeField(
        label=_("Type of care"),
        choices=optional(lambda: [(c.value, str(c.label)) for c in CareType]),
    )
    carer_name = _f(CareArrangement, "carer_name")
    address = _f(CareArrangement, "address")
    country = forms.ChoiceField(label=_("Country"), choices=optional(country_choices))
    legal_basis = _f(CareArrangement, "legal_basis")
    start_date = _f(CareArrangement, "start_date")


class CareEndForm(forms.Form):
    version = _version()
    end_date = _f(CareArrangement, "end_date", required=True)
    end_reason = _f(CareArrangement, "end_reason", required=True)


class DetentionForm(forms.Form):
    place = _f(DetentionRecord, "place")
    authority = _f(DetentionRecord, "authority")
    started_on = _f(DetentionRecord, "started_on")
    ended_on = _f(DetentionRecord, "ended_on")
    notes = _f(DetentionRecord, "notes")


class DetentionEndForm(forms.Form):
    version = _version()
    ended_on = _f(DetentionRecord, "ended_on", required=True)


class GuardianForm(forms.Form):
    guardian_name = _f(Guardianship, "guardian_name", required=True)
    organisation = _f(Guardianship, "organisation")
    appointing_authority = _f(Guardianship, "appointing_authority", required=True)
    legal_basis = _f(Guardianship, "legal_basis", required=True)
    appointed_on = _f(Guardianship, "appointed_on", required=True)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=language_choices, required=False
    )
    user = forms.ModelChoiceField(
        label=_("Kinlink account of the guardian"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("With an account, the guardian sees this case."),
    )

    def __init__(self, *args: Any, guardians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "user", guardians)


class GuardianReplaceForm(GuardianForm):
    version = _version()
    note = forms.CharField(
        label=_("Why the guardian is replaced"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GuardianEndForm(forms.Form):
    version = _version()
    ended_on = _f(Guardianship, "ended_on", required=True)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=optional(
            lambda: [
                (c.value, str(c.label))
                for c in GuardianshipEndReason
                if c != GuardianshipEndReason.REPLACED
            ]
        ),
    )
    note = _f(Guardianship, "end_note")


class SupportPlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    concerns = _f(SupportPlan, "concerns")
    child_participation = _f(SupportPlan, "child_participation")
    review_on = _f(SupportPlan, "review_on")
    family_contact = _f(SupportPlan, "family_contact", required=False)
    contact_plan = _f(SupportPlan, "contact_plan")
    contact_restriction_reason = _f(SupportPlan, "contact_restriction_reason")
    acknowledge_contact_warning = forms.BooleanField(
        label=_("I weighed the child's wish for contact with the family and restrict it anyway"),
        required=False,
        help_text=_("Needed only when the plan restricts contact the child asked for."),
    )


class GuardianExceptionForm(forms.Form):
    reason = _f(GuardianException, "reason")


class TransitionPlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    legal_status_after_18 = _f(TransitionPlan, "legal_status_after_18")
    residence_valid_until = _f(TransitionPlan, "residence_valid_until")
    renewal_due_on = _f(TransitionPlan, "renewal_due_on")
    housing = _f(TransitionPlan, "housing")
    adult_services = _f(TransitionPlan, "adult_services")


class GoalForm(forms.Form):
    area = _f(Goal, "area")
    description = _f(Goal, "description")
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = _f(Goal, "due_on")

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "owner", owners)


class LegalProcedureForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    procedure_type = _f(LegalProcedure, "procedure_type")
    authority = _f(LegalProcedure, "authority")
    file_number = _f(LegalProcedure, "file_number")
    lodged_on = _f(LegalProcedure, "lodged_on")
    status = _f(LegalProcedure, "status")
    next_deadline = _f(LegalProcedure, "next_deadline")
    deadline_what = _f(LegalProcedure, "deadline_what")

    def values(self) -> dict[str, Any]:
        """The procedure's fields, without the form's version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
