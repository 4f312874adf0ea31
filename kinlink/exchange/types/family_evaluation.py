"""Family / home evaluation: the partner meets the family and evaluates the home (step 5);
the evaluation lands in the sender's case as a family evaluation (`assessments`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kinlink.assessments.models import FamilyRecommendation
from kinlink.assessments.services import family_evaluation_receive
from kinlink.exchange.registry import Field, RequestType, register, relatives
from kinlink.exchange.types.common import CHILD, SUMMARY, past_date, text_field


class FamilyEvaluationReplyForm(forms.Form):
    who_was_met = text_field(_("Who was met"))
    home_conditions = text_field(_("Home conditions"))
    capacity = text_field(_("Capacity and willingness to care"))
    risks = text_field(_("Risks"), required=False)
    evaluator_name = forms.CharField(label=_("Evaluator"), max_length=200)
    evaluated_on = past_date(_("Date of the evaluation"))
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=FamilyRecommendation.choices
    )


def on_reply(request: Any, data: dict[str, Any]) -> None:
    family_evaluation_receive(
        case=request.case,
        partner=request.peer.name,
        evaluator_agency=request.peer.name,
        **data,
    )


FAMILY_EVALUATION = register(
    RequestType(
        code="family_evaluation",
        label=_("Family and home evaluation"),
        purpose=_(
            "Meet the family, evaluate the home and the family's capacity and willingness to "
            "care for the child, and recommend."
        ),
        legal_hook="HC1996 Art. 32",
        fields=(
            CHILD,
            Field(
                "relatives", _("Family members to meet: names, relationship, contact"), relatives
            ),
            SUMMARY,
        ),
        deadline_days=42,
        reply_form=FamilyEvaluationReplyForm,
        on_reply=on_reply,
    )
)
