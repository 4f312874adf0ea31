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


def _change_labels() -> dict[str, str]:
    """Keys of audit changes that are no model field, in the reader's words."""
    return {
        "assigned": _("assigned"),
        "unassigned": _("unassigned"),
        "overdue": _("overdue"),
        "escalated": _("escalated"),
    }


def field_label(name: str) -> str:
    """A case field's name as the reader knows it (its translated label)."""
    from django.core.exceptions import FieldDoesNotExist

    from kinlink.cases.models import Approval, Case, CasePerson, Consent, Person, Task

    if name in (labels := _change_labels()):
        return labels[name]
    for model in (Case, Consent, CasePerson, Person, Task, Approval):
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
    from kinlink.audit.services import REDACTED, WITHHELD

    parts = []
    for field, values in sorted((changes or {}).items()):
        if field == "version" or not isinstance(values, list) or len(values) != 2:
            continue
        if {REDACTED, WITHHELD} & {v for v in values if isinstance(v, str)}:
            # The trail keeps that a narrative or a personal value changed, not the value.
            parts.append(_("%(field)s changed") % {"field": field_label(field)})
            continue
        old, new = (", ".join(map(str, v)) if isinstance(v, list) else v for v in values)
        parts.append(
            _("%(field)s: %(old)s → %(new)s")
            % {
                "field": field_label(field),
                "old": old if old not in (None, "") else "—",
                "new": new if new not in (None, "") else "—",
            }
        )
    return "; ".join(parts)


@register.filter
def actor_name(event: Any) -> str:
    """Who did what an audit event records: the person, or the system, in the reader's words."""
    if event.actor_id is not None and event.actor is not None:
        return str(event.actor.full_name or event.actor.get_username())
    if event.actor_label == "system":
        return _("system")
    if event.actor_label == "retention":
        return _("retention rule")
    return str(event.actor_label)


def _move_summary(name: str, changes: dict[str, Any]) -> str:
    from kinlink.cases.lifecycle import TRANSITIONS
    from kinlink.cases.models import Hold, Stage

    transition = TRANSITIONS.get(name)
    label = str(transition.label) if transition else name
    if isinstance(changes.get("stage"), list) and len(changes["stage"]) == 2:
        old, new = (
            str(Stage(value).label) if value in Stage.values else str(value or "—")
            for value in changes["stage"]
        )
        return _("%(move)s: %(old)s → %(new)s") % {"move": label, "old": old, "new": new}
    hold = changes.get("hold")
    if isinstance(hold, list) and len(hold) == 2:
        if hold[1] in Hold.values:
            return _("%(move)s: on hold (%(hold)s)") % {"move": label, "hold": Hold(hold[1]).label}
        if hold[0] in Hold.values:
            return _("%(move)s: hold lifted (%(hold)s)") % {
                "move": label,
                "hold": Hold(hold[0]).label,
            }
    return label


@register.filter
def event_summary(event: Any) -> str:
    """What an event of a case's history did: a lifecycle move by its name, from → to; any
    other event by its action and the fields it changed (values stay on detailed views)."""
    name = (event.context or {}).get("transition")
    if name:
        return _move_summary(str(name), event.changes or {})
    summary = str(event.get_action_display())
    fields = changed_fields(event.changes)
    return f"{summary}: {fields}" if fields else summary


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
