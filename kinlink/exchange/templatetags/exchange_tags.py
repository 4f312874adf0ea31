"""Showing what a request carries (its payload, its reply) in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.core.templatetags.kinlink import field_label
from kinlink.directory.reference import country_name, language_name

register = template.Library()

LABELS = {
    "age_on_sending": gettext_lazy("age when sent"),
    "step": gettext_lazy("step"),
    "answer": gettext_lazy("answer"),
    "outcome": gettext_lazy("outcome"),
    "findings": gettext_lazy("what was done and found"),
    "decision": gettext_lazy("decision"),
    "decided_on": gettext_lazy("date of the decision"),
    "authority": gettext_lazy("deciding authority"),
    "reference": gettext_lazy("reference"),
    "conditions": gettext_lazy("conditions or reasons"),
    "confirmed_on": gettext_lazy("reception confirmed on"),
    "arrangements": gettext_lazy("reception arrangements"),
}


@register.filter
def is_list(value: Any) -> bool:
    return isinstance(value, list)


@register.filter
def is_dict(value: Any) -> bool:
    return isinstance(value, dict)


@register.filter
def payload_label(key: str) -> str:
    if key in LABELS:
        return str(LABELS[key])
    from kinlink.assessments.models import FamilyEvaluation
    from kinlink.plans.models import VisitReport

    for model in (FamilyEvaluation, VisitReport):
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        return str(getattr(field, "verbose_name", key))
    return field_label(key)


def _enum_label(key: str, value: str) -> str | None:
    from kinlink.assessments.models import FamilyRecommendation
    from kinlink.cases import models as case_models

    enums = {
        "sex": case_models.Sex,
        "relationship": case_models.Relationship,
        "case_type": case_models.CaseType,
        "step": case_models.Stage,
        "risk_level": case_models.RiskLevel,
        "separation_status": case_models.SeparationStatus,
        "legal_status": case_models.LegalStatus,
        "decided_solution": case_models.Solution,
        "original_script": case_models.Script,
        "recommendation": FamilyRecommendation,
    }
    enum = enums.get(key)
    if enum is not None and value in enum.values:
        return str(enum(value).label)
    return None


@register.filter
def payload_value(value: Any, key: str) -> str:
    """A value as a person reads it: codes named, lists joined, yes and no."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in {"nationalities", "country", "country_of_origin"}:
        codes = value if isinstance(value, list) else [value]
        return ", ".join(country_name(str(c)) for c in codes)
    if key == "languages":
        return ", ".join(language_name(str(c)) for c in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return _enum_label(key, str(value)) or str(value)
