"""Template filters of the directory: codes shown by their names in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from kinlink.directory.models import (
    Agency,
    Country,
    Instrument,
    InstrumentCoverage,
    LegalNote,
    Service,
    TreatyStatus,
)

register = template.Library()


@register.filter
def service_names(codes: list[str] | None) -> str:
    return ", ".join(str(Service(c).label) for c in codes or [] if c in Service.values)


@register.filter
def instrument_names(codes: list[str] | None) -> str:
    return ", ".join(str(Instrument(c).label) for c in codes or [] if c in Instrument.values)


def _label(name: str) -> str:
    for model in (TreatyStatus, LegalNote, Agency, Country, InstrumentCoverage):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return str(getattr(field, "verbose_name", name))
    return name.replace("_", " ")


@register.filter
def directory_changes(changes: dict[str, Any] | None) -> str:
    """An audit event's changes of a directory record, field by field."""
    parts = []
    for name, values in sorted((changes or {}).items()):
        if name == "version" or not isinstance(values, list) or len(values) != 2:
            continue
        old, new = values
        parts.append(
            _("%(field)s: %(old)s → %(new)s")
            % {
                "field": _label(name),
                "old": old if old not in (None, "", []) else "—",
                "new": new if new not in (None, "", []) else "—",
            }
        )
    return "; ".join(parts)
