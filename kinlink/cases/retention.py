"""Retention: a case closed longer than the node keeps cases is anonymised or deleted.

The node settings say how many years a closed case is kept (`retention_years`, counted from
`Case.closed_at`) and what happens then (`retention_action`):

- anonymise: every value that names, reaches or describes the child or the people around the
  child is erased from the case and everything it holds (`holdings`): names, the date of birth
  (its age band is kept as the age at referral), addresses, contacts, every free text and
  every encrypted narrative; files are removed. What the statistics count stays: the kinds and
  outcomes (every field with fixed choices), dates, numbers, flags and country codes.
- delete: the case and everything it holds are deleted, and the people linked to no other case.

Something may hold a case past its period (an open cross-border request, an open tracing
request): apps register such holds with `retention_hold`, as they register lifecycle guards.
A reopened case is not closed, so it is never due. Each case handled writes one audit event
(`anonymise` or `delete`) naming no one; audit events are never deleted, and since the trail
keeps no personal value (`audit.services`), it needs no erasing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinlink.accounts.models import Notification
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.holdings import case_people, holdings, shared_people
from kinlink.cases.models import Case, CasePerson, Person, Stage
from kinlink.core.fields import EncryptedJSONField
from kinlink.core.models import NodeSettings, RetentionAction

logger = logging.getLogger(__name__)

# --- holds --------------------------------------------------------------------------------

# A hold answers, of the cases due, those it holds (a queryset of them).
HoldCheck = Callable[[QuerySet[Case]], QuerySet[Case]]


@dataclass(frozen=True)
class RetentionHold:
    code: str
    label: Promise
    held: HoldCheck


_HOLDS: dict[str, RetentionHold] = {}


def retention_hold(code: str, label: Promise) -> Callable[[HoldCheck], HoldCheck]:
    """Register a reason that keeps a closed case past its retention period."""

    def register(check: HoldCheck) -> HoldCheck:
        _HOLDS[code] = RetentionHold(code, label, check)
        return check

    return register


def holds() -> list[RetentionHold]:
    return list(_HOLDS.values())


@retention_hold("on_hold", _("on hold (missing, suspended or transferred out)"))
def _paused(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.exclude(hold="")


# --- what is kept ---------------------------------------------------------------------------

# Text kept although it has no fixed choices: codes the statistics or the exchange count by.
KEPT_TEXT = {
    "cases.case": frozenset({"nationalities"}),
    "cases.consent": frozenset({"scopes"}),
    "exchange.crossborderrequest": frozenset({"request_type", "legal_basis"}),
}
# Codes (a country, a language) are at most three letters long; a free text never is.
CODE_LENGTH = 3
MAX_AGE_ESTIMATE = 25  # the case's check constraint
TEXT_FIELDS = (models.CharField, models.TextField)


def _token(row: models.Model, max_length: int | None) -> str:
    return f"anon-{getattr(row.pk, 'hex', row.pk)}"[: max_length or 40]


def _constrained(model: type[models.Model]) -> set[str]:
    """Fields a check or conditional unique constraint reads (e.g. "a partner agency or an
    owner"): emptied, they might break it, so a non-empty one gets a per-row token."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, F):
            names.add(node.name.split("__")[0])
        for child in getattr(node, "children", ()):
            if isinstance(child, tuple):
                names.add(child[0].split("__")[0])
            else:
                walk(child)
        for source in getattr(node, "get_source_expressions", list)():
            walk(source)

    for constraint in model._meta.constraints:
        walk(getattr(constraint, "condition", None))
        for expression in getattr(constraint, "expressions", ()):
            walk(expression)
    return names


def _erasure(model: type[models.Model]) -> tuple[dict[str, Any], list[str]]:
    """What anonymising sets on every row of `model` (field: value), and the text fields that
    get a per-row token instead (unique, or constrained to be non-empty)."""
    label = model._meta.label_lower
    kept = KEPT_TEXT.get(label, frozenset())
    constrained = _constrained(model)
    values: dict[str, Any] = {}
    tokens: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.is_relation or f.name in kept or f.choices:
            continue
        if isinstance(f, models.DateField) and "birth" in f.name:
            values[f.name] = None
        elif isinstance(f, models.JSONField | EncryptedJSONField):
            values[f.name] = None if f.null else f.get_default()
        elif isinstance(f, TEXT_FIELDS):
            encrypted = getattr(f, "encrypted_at_rest", False)
            if not encrypted and f.max_length is not None and f.max_length <= CODE_LENGTH:
                continue
            if f.unique or f.name in constrained:
                tokens.append(f.name)
            else:
                values[f.name] = ""
    return values, tokens


def _holds_files(model: type[models.Model]) -> bool:
    return any(isinstance(f, models.BinaryField) for f in model._meta.concrete_fields)


def _erase(rows: QuerySet[Any]) -> int:
    """Erase the identifying values of `rows`; a row holding a file is removed."""
    model = rows.model
    if _holds_files(model):
        return int(rows.delete()[0])
    values, tokens = _erasure(model)
    for row in rows.only("pk", *tokens) if tokens else ():
        if changed := {
            name: _token(row, model._meta.get_field(name).max_length)
            for name in tokens
            if getattr(row, name)
        }:
            model._default_manager.filter(pk=row.pk).update(**changed)
    return int(rows.update(**values)) if values else rows.count()


# --- the two actions ------------------------------------------------------------------------


def _age_at_referral(case: Case) -> int | None:
    if case.date_of_birth is None:
        return case.age_estimate
    dob, referral = case.date_of_birth, case.referral_date
    return referral.year - dob.year - ((referral.month, referral.day) < (dob.month, dob.day))


def _notifications(case: Case) -> QuerySet[Notification]:
    """Staff notifications about the case (they carry its reference and task titles)."""
    return Notification.objects.filter(link__contains=str(case.pk))


def _anonymise(case: Case) -> int:
    rows = _notifications(case).delete()[0]
    # A person linked to another case keeps that file: this case's link gets a blank person.
    for person in shared_people(case):
        blank = Person.objects.create(agency_id=person.agency_id, country=person.country)
        CasePerson.objects.filter(case=case, person=person).update(person=blank)
    rows += _erase(case_people(case))
    for holding in holdings():
        rows += _erase(holding.rows(case))
    age = _age_at_referral(case)
    values, _tokens = _erasure(Case)
    Case.objects.filter(pk=case.pk).update(
        **values,
        reference=_token(case, Case._meta.get_field("reference").max_length),
        age_estimate=min(age, MAX_AGE_ESTIMATE) if age is not None else None,
        anonymised_at=timezone.now(),
    )
    return rows + 1


def _delete(case: Case) -> int:
    """Rows before what they refer to (`holdings` is in that order), then the case, then the
    people linked to no other case."""
    people = list(
        case_people(case).exclude(pk__in=shared_people(case)).values_list("pk", flat=True)
    )
    rows = _notifications(case).delete()[0]
    for holding in holdings():
        rows += holding.rows(case).delete()[0]
    rows += Case.objects.filter(pk=case.pk).delete()[0]
    rows += Person.objects.filter(pk__in=people).delete()[0]
    return int(rows)


# --- the run --------------------------------------------------------------------------------


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoff(settings: NodeSettings, now: datetime | None = None) -> datetime:
    """Cases closed before this moment have been kept their years."""
    return _years_before(now or timezone.now(), settings.retention_years)


def due_cases(settings: NodeSettings, now: datetime | None = None) -> QuerySet[Case]:
    """Closed cases past the retention period, holds not yet applied."""
    cases = Case.objects.filter(stage=Stage.CLOSED, closed_at__lt=retention_cutoff(settings, now))
    if settings.retention_action == RetentionAction.ANONYMISE:
        cases = cases.filter(anonymised_at__isnull=True)
    return cases


@dataclass
class RetentionReport:
    """Counts only: a report names no case and no one."""

    action: str
    cutoff: datetime
    dry_run: bool
    due: int = 0
    held: dict[str, int] = field(default_factory=dict)
    done: int = 0
    failed: int = 0
    rows: int = 0

    @property
    def to_do(self) -> int:
        return self.due - sum(self.held.values())


def _held_ids(cases: QuerySet[Case], report: RetentionReport | None = None) -> set[Any]:
    held: set[Any] = set()
    for hold in holds():
        ids = set(hold.held(cases).values_list("pk", flat=True)) - held
        if report is not None:
            report.held[hold.code] = len(ids)
        held |= ids
    return held


def case_retention_apply(*, case: Case, settings: NodeSettings, now: datetime) -> int | None:
    """Anonymise or delete one case, if it is still due and nothing holds it (checked again
    under the row's lock: a supervisor may have reopened it meanwhile). One audit event; the
    number of rows touched, or None when the case was left alone."""
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        due = due_cases(settings, now).filter(pk=case.pk)
        if not due.exists() or _held_ids(due):
            return None
        case = due.get()
        years = settings.retention_years
        closed_on = case.closed_at.date() if case.closed_at else None
        if settings.retention_action == RetentionAction.DELETE:
            # Written first, while the case still exists; the event names its id only.
            record(
                actor=None,
                actor_label="retention",
                action=AuditAction.DELETE,
                obj=case,
                case_id=case.pk,
                retention_years=years,
                closed_on=closed_on,
            )
            return _delete(case)
        rows = _anonymise(case)
        record(
            actor=None,
            actor_label="retention",
            action=AuditAction.ANONYMISE,
            obj=case,
            case_id=case.pk,
            retention_years=years,
            closed_on=closed_on,
            rows=rows,
        )
        return rows


def retention_run(*, dry_run: bool = False, now: datetime | None = None) -> RetentionReport:
    """Apply the node's retention rule to every case due. A dry run counts and changes nothing.
    Idempotent: an anonymised case is not due again, a deleted one is gone; a case that fails
    is left as it was (its own transaction) and counted."""
    settings = NodeSettings.current()
    now = now or timezone.now()
    cases = due_cases(settings, now)
    report = RetentionReport(
        action=settings.retention_action, cutoff=retention_cutoff(settings, now), dry_run=dry_run
    )
    report.due = cases.count()
    held = _held_ids(cases, report)
    if dry_run:
        return report
    for case in cases.exclude(pk__in=held).order_by("closed_at").iterator():
        try:
            rows = case_retention_apply(case=case, settings=settings, now=now)
        except Exception as error:  # one case's failure must not stop the others
            # The class only: a database's message may quote the row's values.
            logger.error("retention failed for one case: %s", type(error).__name__)
            report.failed += 1
            continue
        if rows is not None:
            report.done += 1
            report.rows += rows
    logger.info(
        "retention: %s due, %s held, %s %s, %s failed",
        report.due,
        sum(report.held.values()),
        report.done,
        report.action,
        report.failed,
    )
    return report
