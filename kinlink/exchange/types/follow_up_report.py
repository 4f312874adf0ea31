"""Follow-up reports: the partner visits a child placed or returned in its country and
reports; each report fills the sender's next follow-up visit (`plans`, step 8)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import CaseType
from kinlink.exchange.registry import Field, RequestType, carer, register
from kinlink.exchange.types.common import CHILD, SUMMARY, past_date, read_the_reply_task, text_field
from kinlink.plans.models import NotSeenReason
from kinlink.plans.services import visit_report_receive


class VisitReplyForm(forms.Form):
    visited_on = past_date(_("Visited on"))
    child_seen = forms.BooleanField(label=_("The child was seen"), required=False)
    reason_not_seen = forms.ChoiceField(
        label=_("Why the child was not seen"),
        choices=[("", "—"), *NotSeenReason.choices],
        required=False,
    )
    well_being = text_field(_("Well-being"), required=False)
    safety = text_field(_("Safety"), required=False)
    school = text_field(_("School or training"), required=False)
    concerns = text_field(_("Concerns"), required=False)
    actions_taken = text_field(_("Actions taken"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("child_seen") and not data.get("reason_not_seen"):
            self.add_error("reason_not_seen", _("Say why the child was not seen."))
        return data


def on_reply(request: Any, data: dict[str, Any]) -> None:
    report = visit_report_receive(case=request.case, partner=request.peer.name, **data)
    if report is None:
        read_the_reply_task(request, _("follow-up report"))


FOLLOW_UP_REPORT = register(
    RequestType(
        code="follow_up_report",
        label=_("Follow-up report"),
        purpose=_("Visit the child where he or she now lives and report on the placement."),
        legal_hook="HC1996 Art. 35",
        fields=(
            CHILD,
            Field("carer", _("The carer: name, relationship, contact"), carer),
            SUMMARY,
        ),
        deadline_days=30,
        reply_form=VisitReplyForm,
        case_type_on_accept=CaseType.XB_PLACEMENT,
        on_reply=on_reply,
    )
)
