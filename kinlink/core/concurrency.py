"""Optimistic locking: a stale edit is refused and explained, never silently overwritten."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


class StaleEdit(Exception):
    """Someone saved the record after the form was opened.

    `current` is the record as it is now; `seen_version` is what the form was rendered with.
    """

    def __init__(self, current: models.Model, seen_version: int) -> None:
        super().__init__("stale edit")
        self.current = current
        self.seen_version = seen_version


def save_versioned(obj: M, *, seen_version: int, fields: list[str]) -> M:
    """Write `fields` of `obj` only if the stored version is still `seen_version`.

    One conditional UPDATE: two writers racing on the same version cannot both win, on SQLite
    or on PostgreSQL, without holding a lock across the user's think time.
    """
    model = type(obj)
    values = {name: getattr(obj, name) for name in fields}
    # QuerySet.update() skips auto_now: stamp the time here.
    if hasattr(obj, "updated_at"):
        obj.updated_at = values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=obj.pk, version=seen_version).update(
        **values, version=seen_version + 1
    )
    if updated != 1:
        raise StaleEdit(model._default_manager.get(pk=obj.pk), seen_version)
    obj.version = seen_version + 1  # type: ignore[attr-defined]
    return obj
