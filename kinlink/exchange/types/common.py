"""Pieces the request types share: the fields they carry and the reply forms' parts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinlink.cases import workflow
from kinlink.cases.models import TaskKind
from kinlink.exchange.registry import Field, case_summary, child_identity, relatives

CHILD = Field(
    "child", _("The child: names, sex, age, nationality, languages, origin"), child_identity
)
RELATIVES = Field(
    "relatives",
    _("Relatives recorded on the case, with country and contact"),
    relatives,
    required=False,
)
SUMMARY = Field(
    "case",
    _("Where the case stands: type, step, risk, separation, legal status"),
    case_summary,
    required=False,
)


def text_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=8000, required=required, widget=forms.Textarea(attrs={"rows": 4})
    )


class DateInput(forms.DateInput):
    input_type = "date"


def past_date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


class AnswerForm(forms.Form):
    """A reply that is an answer in words (welfare check, documents, information)."""

    answer = text_field(_("Answer"))


def read_the_reply_task(request: Any, what: Any) -> None:
    """Tell the case's lead caseworker, by a task due in three days, that a reply waits."""
    case = request.case
    workflow.task_open(
        case=case,
        kind=TaskKind.OTHER,
        title=_("Read the reply of %(peer)s: %(what)s"),
        title_params={"peer": request.peer.name, "what": what},
        due_at=timezone.now() + timedelta(days=3),
        owner=case.lead_caseworker,
        source_id=request.pk,
        actor=None,
    )
