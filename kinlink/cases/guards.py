"""Guards the hub itself puts on its moves (the satellites add theirs from their own guards).

Imported from CasesConfig.ready().
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kinlink.cases import services  # noqa: F401 (registers the "found on resume" receiver)
from kinlink.cases.lifecycle import Refusal, guard
from kinlink.cases.models import Case, MissingReport


@guard("report_missing")
def missing_report_recorded(case: Case) -> Refusal | None:
    """T15: a missing child is reported with the missing-child form (last seen, police or
    authority told); the service saves it, then takes this move in the same transaction."""
    if MissingReport.objects.filter(case=case, found_at__isnull=True).exists():
        return None
    return Refusal(
        _("Fill in the missing-child report: when the child was last seen and who was notified."),
        reverse("cases:missing_report", args=[case.pk]),
    )
