"""The filters every dashboard and export takes: a period, a team, a case type."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Team
from kinlink.cases.models import Case, CaseType
from kinlink.reports.indicators import Period

UNKNOWN_VALUE = _("Unknown value “%(value)s”: choose one from the list.")


def default_period(today: date | None = None) -> Period:
    """From 1 January of this year to today."""
    today = today or timezone.localdate()
    return Period(today.replace(month=1, day=1), today)


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    team = forms.ChoiceField(label=_("Team"), required=False)
    case_type = forms.ChoiceField(
        label=_("Case type"),
        required=False,
        choices=[("", _("All case types")), *CaseType.choices],
        error_messages={"invalid_choice": UNKNOWN_VALUE},
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = teams
        field = self.fields["team"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [("", _("All teams")), *((str(t.pk), t.name) for t in teams)]
        field.error_messages["invalid_choice"] = UNKNOWN_VALUE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def period(self) -> Period:
        fallback = default_period()
        data = self.cleaned_data
        return Period(data.get("start") or fallback.start, data.get("end") or fallback.end)

    def narrow(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        data = self.cleaned_data
        if data.get("team"):
            cases = cases.filter(team_id=data["team"])
        if data.get("case_type"):
            cases = cases.filter(case_type=data["case_type"])
        return cases

    def as_params(self) -> dict[str, str]:
        """The filters as they were given, for links to exports and for the audit trail."""
        return {k: str(v) for k, v in self.data.items() if k in self.fields and v}
