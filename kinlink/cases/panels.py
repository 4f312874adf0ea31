"""Sections other apps add to the case page, and asides they offer beside other apps' forms,
without `cases` importing them.

An app registers a panel in its AppConfig.ready():

    register_panel(Panel(key="care", order=20, template="care/partials/panel.html",
                         context=care_panel_context))

`context(case, user)` returns a dict; the template receives it as `panel`, beside `case`,
`can_edit` and `user`. It must start its reads from the case (already checked by the policy)
and stay within a fixed number of queries, whatever the case's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kinlink.accounts.models import User
from kinlink.cases.models import Case


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str
    context: Callable[[Case, User], dict[str, Any]]


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(case: Case, user: User) -> list[dict[str, Any]]:
    """Each registered panel's template and context, in page order."""
    return [
        {"key": p.key, "template": p.template, "context": p.context(case, user)}
        for p in sorted(_PANELS.values(), key=lambda p: p.order)
    ]


@dataclass(frozen=True)
class Aside:
    """A column an app shows beside another app's form (the child's views beside a plan).

    `context(case, user)` returns the variables `template` reads; like a panel, it starts
    from the case, already checked by the policy, in a fixed number of queries.
    """

    key: str
    template: str
    context: Callable[[Case, User], dict[str, Any]]


_ASIDES: dict[str, Aside] = {}
CHILD_VIEWS = "child_views"  # the aside the assessments app offers (SG-04)


def register_aside(aside: Aside) -> None:
    _ASIDES[aside.key] = aside


def aside_for(key: str, case: Case, user: User) -> dict[str, Any]:
    """What a form page adds to its context to show the aside `key` (nothing if no app
    offers it): `aside_template` and the aside's own variables."""
    aside = _ASIDES.get(key)
    if aside is None:
        return {}
    return {"aside_template": aside.template, **aside.context(case, user)}
