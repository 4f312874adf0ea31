"""What the node holds about one child: every row that belongs to a case, found from the models.

A row belongs to a case when its model has a foreign key to `Case` (whatever its on_delete), or
lives inside such a row (a cascading foreign key to a model that belongs, at any depth: a
message of a request, a file of a message, an option of a best-interests determination). The
walk reads the models, not a list, so a record type added later is held, erased (`retention`)
and handed over (`reports.bundle`) without anyone remembering to add it; `cases` imports no
satellite app to do it. The people around the child (`Person`) are reached through the case's
links and handled apart, since one person may be linked to several cases.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from kinlink.cases.models import Case, CasePerson, Person


@dataclass(frozen=True)
class Holding:
    """A model whose rows belong to a case, and the lookups from it to the case."""

    model: type[models.Model]
    paths: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def rows(self, case: Case) -> QuerySet[models.Model]:
        match = Q()
        for path in self.paths:
            match |= Q(**{path: case.pk})
        manager = self.model._default_manager
        # By primary key: a delete or an update may not follow a join's duplicates.
        return manager.filter(pk__in=manager.filter(match).values("pk"))


def _foreign_keys(model: type[models.Model]) -> list[tuple[str, type[models.Model], Any]]:
    """(name, target model, on_delete) of each foreign key (and one-to-one) of `model`."""
    return [
        (f.name, cast(type[models.Model], f.related_model), f.remote_field.on_delete)
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
    ]


MAX_DEPTH = 4


@cache
def holdings() -> tuple[Holding, ...]:
    """Every model holding rows of a case, in the order their rows can be deleted (a row before
    the rows it refers to)."""
    paths: dict[type[models.Model], list[str]] = {}
    for model in apps.get_models():
        for name, target, _on_delete in _foreign_keys(model):
            if target is Case:
                paths.setdefault(model, []).append(name)
    # Rows inside those rows, a few levels deep (a file of a message of a request).
    frontier = {model: list(found) for model, found in paths.items()}
    for _depth in range(MAX_DEPTH):
        deeper: dict[type[models.Model], list[str]] = {}
        for model in apps.get_models():
            for name, parent, on_delete in _foreign_keys(model):
                if model is Case or parent not in frontier or on_delete is not models.CASCADE:
                    continue
                for path in frontier[parent]:
                    lookup = f"{name}__{path}"
                    if lookup not in paths.get(model, []):
                        deeper.setdefault(model, []).append(lookup)
        for model, more in deeper.items():
            paths.setdefault(model, []).extend(more)
        frontier = deeper
    # Delete a row before whatever it refers to: sort the models by their foreign keys.
    order: graphlib.TopologicalSorter[type[models.Model]] = graphlib.TopologicalSorter()
    for model in paths:
        order.add(model)
        for _name, target, _on_delete in _foreign_keys(model):
            if target in paths and target is not model:
                order.add(target, model)
    return tuple(Holding(model, tuple(paths[model])) for model in order.static_order())


def case_people(case: Case) -> QuerySet[Person]:
    """The people linked to the case (a person may be linked to other cases as well)."""
    return Person.objects.filter(case_links__case=case).distinct()


def shared_people(case: Case) -> QuerySet[Person]:
    """The case's people who are linked to another case too: theirs is not only this file."""
    elsewhere = CasePerson.objects.exclude(case=case).values("person_id")
    return case_people(case).filter(pk__in=elsewhere)
