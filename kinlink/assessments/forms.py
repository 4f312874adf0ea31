"""Forms of assessments and decisions: HTML input to service arguments. The services hold the
rules; their messages are shown beside the fields."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import User
from kinlink.assessments.models import (
    AgeMethod,
    Assessment,
    BestInterestsDetermination,
    BIDOption,
    BIDPanelMember,
    ChildViews,
    FamilyEvaluation,
    FamilyVerification,
    TraffickingConcern,
)
from kinlink.assessments.services import AGE_NEXT, DOMAIN_FIELDS, TRACING_NEXT
from kinlink.cases.forms import DateInput, optional
from kinlink.cases.models import AgeAssessmentStatus, RiskLevel, Solution, TracingStatus
from kinlink.directory.reference import language_choices


def _textareas(*names: str, rows: int = 3) -> dict[str, forms.Widget]:
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}


class ChildViewsForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=optional(language_choices))

    class Meta:
        model = ChildViews
        fields = [
            "heard_on",
            "method",
            "language",
            "interpreter_name",
            "present",
            "wishes_family_contact",
            "wants_family_contact",
            "wishes_return",
            "wishes_care",
            "wishes_school",
            "wishes_future",
            "maturity_note",
        ]
        widgets = {
            "heard_on": DateInput(),
            **_textareas(
                "present",
                "wishes_family_contact",
                "wishes_return",
                "wishes_care",
                "wishes_school",
                "wishes_future",
                "maturity_note",
                rows=2,
            ),
        }


class AssessmentForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Assessment
        fields = ["kind", "completed_on", *DOMAIN_FIELDS, "recommendation"]
        widgets = {"completed_on": DateInput(), **_textareas(*DOMAIN_FIELDS, "recommendation")}

    def _post_clean(self) -> None:
        # The service writes the model: a form bound to the instance must not change it first
        # (the audit compares the stored values with the new ones).
        pass

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "completed_on": data["completed_on"],
            "recommendation": data["recommendation"],
            "domains": {name: data.get(name) or "" for name in DOMAIN_FIELDS},
        }


class RiskForm(forms.Form):
    new_level = forms.ChoiceField(label=_("New risk level"), choices=RiskLevel.choices)
    reasons = forms.CharField(
        label=_("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_review_on = forms.DateField(label=_("Next review"), widget=DateInput())


class AgeRequestForm(forms.Form):
    reason_for_doubt = forms.CharField(
        label=_("Reason for serious doubt about the stated age"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    child_consent = forms.BooleanField(label=_("The child consented"), required=False)
    guardian_consent = forms.BooleanField(label=_("The guardian consented"), required=False)
    methods = forms.MultipleChoiceField(
        label=_("Methods (least intrusive first)"),
        choices=AgeMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    assessors = forms.CharField(
        label=_("Assessors (name, profession)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgeUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("New status"), choices=AgeAssessmentStatus.choices)
    age_min = forms.IntegerField(label=_("Lowest age"), min_value=0, max_value=25, required=False)
    age_max = forms.IntegerField(label=_("Highest age"), min_value=0, max_value=25, required=False)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput(), required=False)
    notes = forms.CharField(
        label=_("Notes (appeal, notification to the child)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = AGE_NEXT.get(AgeAssessmentStatus(current), set())
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(v, label) for v, label in AgeAssessmentStatus.choices if v in allowed]


class TracingForm(forms.Form):
    status = forms.ChoiceField(label=_("New tracing status"), choices=TracingStatus.choices)
    do_no_harm_confirmed = forms.BooleanField(
        label=_("Contacting the family does not endanger the child or those involved"),
        required=False,
    )
    tracing_targets = forms.CharField(
        label=_("Whom tracing looks for (one per line)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    alleged_abusers = forms.CharField(
        label=_("People flagged as alleged abusers or exploiters (one per line)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note (required to close as not found: what was done)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRACING_NEXT.get(current, frozenset())
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(v, label) for v, label in TracingStatus.choices if v in allowed]


class FamilyEvaluationForm(forms.ModelForm):
    class Meta:
        model = FamilyEvaluation
        fields = [
            "who_was_met",
            "home_conditions",
            "capacity",
            "risks",
            "evaluator_name",
            "evaluator_agency",
            "evaluated_on",
            "recommendation",
        ]
        widgets = {
            "evaluated_on": DateInput(),
            **_textareas("who_was_met", "home_conditions", "capacity", "risks"),
        }


class FamilyVerificationForm(forms.ModelForm):
    class Meta:
        model = FamilyVerification
        fields = [
            "adult_name",
            "relationship",
            "how_verified",
            "verified_by",
            "verified_on",
            "relationship_confirmed",
            "information_matches",
            "child_willing",
            "adult_willing",
            "notes",
        ]
        widgets = {"verified_on": DateInput(), **_textareas("how_verified", "notes")}


class BIDOpenForm(forms.ModelForm):
    class Meta:
        model = BestInterestsDetermination
        fields = ["report"]
        widgets = _textareas("report", rows=8)


class BIDOptionForm(forms.ModelForm):
    prefix = "option"

    class Meta:
        model = BIDOption
        fields = ["solution", "pros", "cons", "risks", "child_view", "guardian_view"]
        widgets = _textareas("pros", "cons", "risks", "child_view", "guardian_view", rows=2)


class BIDMemberForm(forms.ModelForm):
    prefix = "member"

    class Meta:
        model = BIDPanelMember
        fields = [
            "user",
            "external_name",
            "function",
            "agency",
            "no_conflict_declared",
            "confidentiality_signed",
        ]

    def __init__(self, *args: Any, agency_id: UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = User.objects.filter(agency_id=agency_id, is_active=True)

    def _post_clean(self) -> None:
        # The service checks who may sit (and says so beside the field); skip model checks.
        pass


class BIDDecideForm(forms.Form):
    prefix = "decide"
    version = forms.IntegerField(widget=forms.HiddenInput)
    solution = forms.ChoiceField(
        label=_("Chosen solution"), choices=[("", "—"), *Solution.choices], required=False
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    views_weighed = forms.CharField(
        label=_("How the child's views were weighed"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dissent = forms.CharField(
        label=_("Dissent (if any)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput(), required=False)
    child_informed_on = forms.DateField(
        label=_("Child informed on"), widget=DateInput(), required=False
    )
    child_informed_language = forms.ChoiceField(
        label=_("Language the child was informed in"),
        choices=optional(language_choices),
        required=False,
    )
    review_on = forms.DateField(label=_("Review date"), widget=DateInput(), required=False)


class BIDDeferForm(forms.Form):
    prefix = "defer"
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why the decision is deferred"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TraffickingForm(forms.ModelForm):
    class Meta:
        model = TraffickingConcern
        fields = ["indicators", "referred_on", "referred_to"]
        widgets = {"referred_on": DateInput(), **_textareas("indicators")}
