"""Form posts built the way a browser sends them: the shared `identity()` turned into fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import identity
from kinlink.cases.services import IDENTITY_FIELDS


def as_post(values: dict[str, Any]) -> dict[str, Any]:
    """Python values to what an HTML form posts: unchecked boxes and empty values left out."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif name == "aliases":
            data[name] = "\n".join(value)
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def registration_post(user: Any, **overrides: Any) -> dict[str, Any]:
    """A complete registration by `user` in her first team, with the child's assent."""
    values: dict[str, Any] = {
        **identity(),
        "team": user.teams.first().pk,
        "lead_caseworker": user.pk,
        "consent_given_by": "child",
        "consent_scopes": ["services"],
        "consent_language": "ara",
    }
    values.update(overrides)
    return as_post(values)


def edit_post(case: Any, **changes: Any) -> dict[str, Any]:
    """The case's edit form as it was rendered at the case's current version, with `changes`."""
    values = {name: getattr(case, name) for name in IDENTITY_FIELDS}
    values["version"] = case.version
    values.update(changes)
    return as_post(values)
