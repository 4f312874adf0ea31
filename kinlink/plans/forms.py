"""Forms of plans, follow-up and closure: HTML input to service arguments. The services hold
the rules; their messages are shown beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Role, User
from kinlink.cases.forms import DateInput
from kinlink.cases.models import Case, CasePerson
from kinlink.directory.reference import country_choices
from kinlink.plans.models import (
    ActionPlanItem,
    Closure,
    FollowUpPlan,
    PlacementAbroad,
    ReturnPreparation,
    VisitReport,
)
from kinlink.plans.services import PlanLine


def _textareas(*names: str, rows: int = 3) -> dict[str, forms.Widget]:
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}


def staff_of(case: Case) -> QuerySet[User]:
    """Who may be named as doing something here: active caseworkers and supervisors."""
    return User.objects.filter(
        agency_id=case.agency_id, role__in=[Role.CASEWORKER, Role.SUPERVISOR], is_active=True
    ).order_by("full_name")


class ActionPlanCreateForm(forms.Form):
    """One row per template line: its due date, and who does it (here, or an agency abroad)."""

    def __init__(self, *args: Any, case: Case, lines: list[PlanLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        staff = staff_of(case)
        for n, line in enumerate(lines):
            self.fields[f"due_{n}"] = forms.DateField(
                label=_("“%(title)s”: due") % {"title": line.title},
                initial=line.due_on,
                widget=DateInput(),
            )
            self.fields[f"owner_{n}"] = forms.ModelChoiceField(
                label=_("done here by"),
                queryset=staff,
                required=False,
                initial=line.owner.pk if line.owner else None,
            )
            self.fields[f"partner_{n}"] = forms.CharField(
                label=_("or by a partner agency abroad"),
                max_length=200,
                required=False,
                initial=line.partner_agency,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(len(self.lines)):
            owner, partner = data.get(f"owner_{n}"), (data.get(f"partner_{n}") or "").strip()
            if bool(owner) == bool(partner):
                self.add_error(
                    f"owner_{n}", _("Name a person here or a partner agency abroad (one of them).")
                )
        return data

    def plan_lines(self) -> list[PlanLine]:
        data = self.cleaned_data
        return [
            PlanLine(
                title=line.title,
                due_on=data[f"due_{n}"],
                owner=data.get(f"owner_{n}"),
                partner_agency=(data.get(f"partner_{n}") or "").strip(),
            )
            for n, line in enumerate(self.lines)
        ]


class ActionPlanItemForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ActionPlanItem
        fields = ["title", "due_on", "owner", "partner_agency"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        owner.queryset = staff_of(case)
        if self.instance.pk and self.instance.title_from_template:
            # A template's line is edited as its reader reads it, not in its stored English.
            self.initial["title"] = self.instance.display_title

    def _post_clean(self) -> None:
        # The service validates and saves; the model's constraints are checked there.
        pass

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "due_on": data["due_on"],
            "owner": data.get("owner"),
            "partner_agency": data.get("partner_agency") or "",
        }


class ReturnPreparationForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReturnPreparation
        fields = [
            "risk_assessed_on",
            "risk_result",
            "risk_assessed_by",
            "risk_conditions",
            "carer_name",
            "carer_relationship",
            "carer_agreed_on",
            "reception_agency",
            "reception_confirmed_on",
            "reception_reference",
        ]
        widgets = {
            "risk_assessed_on": DateInput(),
            "carer_agreed_on": DateInput(),
            "reception_confirmed_on": DateInput(),
            **_textareas("risk_conditions"),
        }

    def _post_clean(self) -> None:
        pass

    def arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class FollowUpPlanForm(forms.ModelForm):
    class Meta:
        model = FollowUpPlan
        fields = ["template", "start_on", "interval_days", "months", "owner", "partner_agency"]
        widgets = {"start_on": DateInput()}
        help_texts = {
            "interval_days": _("Custom schedule only."),
            "months": _("Custom schedule only."),
        }

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        owner.queryset = staff_of(case)

    def _post_clean(self) -> None:
        pass

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "template": data["template"],
            "start_on": data["start_on"],
            "interval_days": data.get("interval_days"),
            "months": data.get("months"),
            "owner": data.get("owner"),
            "partner_agency": data.get("partner_agency") or "",
        }


class VisitReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = VisitReport
        fields = [
            "visited_on",
            "child_seen",
            "reason_not_seen",
            "well_being",
            "safety",
            "school",
            "concerns",
            "actions_taken",
            "further_visits_needed",
            "written_by_agency",
        ]
        widgets = {
            "visited_on": DateInput(),
            **_textareas("well_being", "safety", "school", "concerns", "actions_taken"),
        }
        help_texts = {
            "written_by_agency": _("Leave empty when you write the report yourself."),
        }

    def _post_clean(self) -> None:
        pass

    def arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ClosureForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Closure
        fields = [
            "reason",
            "reason_other",
            "goals_met_or_explained",
            "goals_note",
            "child_safe",
            "carer_name",
            "carer_relationship",
            "carer_address",
            "follow_up_completed",
            "child_informed",
            "receiving_case_reference",
            "no_receiving_case_reason",
        ]
        widgets = _textareas(
            "reason_other", "goals_note", "carer_address", "no_receiving_case_reason"
        )

    def _post_clean(self) -> None:
        pass

    def arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class SiblingDecisionForm(forms.Form):
    """For one brother or sister living with the child: together, or separated with reasons."""

    sibling = forms.ModelChoiceField(
        label=_("Brother or sister"), queryset=CasePerson.objects.none()
    )
    together = forms.BooleanField(label=_("The solution keeps them together"), required=False)
    reasons = forms.CharField(
        label=_("Why they are separated (a supervisor approves it)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, siblings: QuerySet[CasePerson], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sibling"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  (narrowing for mypy)
        field.queryset = siblings


class PlacementAbroadForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    receiving_country = forms.ChoiceField(label=_("Receiving country"), choices=country_choices)

    class Meta:
        model = PlacementAbroad
        fields = [
            "receiving_country",
            "carer_kind",
            "consent_authority",
            "consent_given_on",
            "consent_reference",
        ]
        widgets = {"consent_given_on": DateInput()}
        help_texts = {
            "consent_authority": _("The receiving state's central or competent authority."),
            "consent_reference": _("Number or reference of the written consent."),
        }

    def _post_clean(self) -> None:
        pass

    def arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
