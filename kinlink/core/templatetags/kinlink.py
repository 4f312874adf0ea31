"""Template filters for showing codes and audit changes in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kinlink.directory.reference import country_name, language_name

register = template.Library()


@register.filter
def country_names(codes: Any) -> str:
    if isinstance(codes, str):
        codes = [codes] if codes else []
    return ", ".join(country_name(code) for code in codes or [])


@register.filter
def language_names(codes: list[str] | None) -> str:
    return ", ".join(language_name(code) for code in codes or [])


@register.filter
def consent_scopes(scopes: list[str] | None) -> str:
    from kinlink.cases.models import ConsentScope

    return ", ".join(str(ConsentScope(s).label) for s in scopes or [] if s in ConsentScope.values)


def field_label(name: str) -> str:
    """A case field's name as the reader knows it (its translated label)."""
    from django.core.exceptions import FieldDoesNotExist

    from kinlink.cases.models import Case, CasePerson, Consent, Person

    for model in (Case, Consent, CasePerson, Person):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return str(getattr(field, "verbose_name", name))
    return name.replace("_", " ")


@register.filter
def changed_fields(changes: dict[str, Any] | None) -> str:
    """The fields an event changed, by their labels (values stay on the detailed views)."""
    return ", ".join(sorted(field_label(k) for k in (changes or {}) if k != "version"))


@register.filter
def change_details(changes: dict[str, Any] | None) -> str:
    parts = []
    for field, values in sorted((changes or {}).items()):
        if field == "version" or not isinstance(values, list) or len(values) != 2:
            continue
        old, new = values
        parts.append(
            _("%(field)s: %(old)s → %(new)s")
            % {
                "field": field_label(field),
                "old": old if old not in (None, "") else "—",
                "new": new,
            }
        )
    return "; ".join(parts)


@register.filter
def small_cell(count: int | None) -> str:
    """Suppress counts under 5 in statistics."""
    if count is None or 0 < count < 5:
        return "<5"
    return str(count)


@register.filter
def choice_label(value: str | None, kind: str) -> str:
    from kinlink.cases import models as case_models

    if not value:
        return _("Not recorded")
    if kind == "country":
        return country_name(value)
    enum = {
        "case_type": case_models.CaseType,
        "stage": case_models.Stage,
        "risk_level": case_models.RiskLevel,
        "sex": case_models.Sex,
    }.get(kind)
    if enum is not None and value in enum.values:
        return str(enum(value).label)
    return value
