"""The tracing section of the case page: the child's tracing requests and the duplicate check."""

from __future__ import annotations

from typing import Any

from kinlink.accounts.models import User
from kinlink.cases.models import Case
from kinlink.cases.panels import Panel, register_panel
from kinlink.cases.policies import can_edit_case
from kinlink.tracing.models import SuggestionStatus, TracingRequest


def tracing_panel_context(case: Case, user: User) -> dict[str, Any]:
    from kinlink.tracing.policies import visible_suggestions

    return {
        "requests": list(TracingRequest.objects.filter(case=case).order_by("-created_at")[:20]),
        "to_review": visible_suggestions(user)
        .filter(status=SuggestionStatus.NEW, case=case)
        .count(),
        "can_check": can_edit_case(user, case),
    }


register_panel(
    Panel(
        key="tracing",
        order=45,
        template="tracing/partials/panel.html",
        context=tracing_panel_context,
    )
)
