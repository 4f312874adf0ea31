"""Reads of cases. Each starts from the policy; reads of a child's record are audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kinlink.accounts.models import User
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.audit.services import record
from kinlink.cases import names
from kinlink.cases.lifecycle import (
    ON_CLOSED_CASE,
    OPEN_STAGES,
    THROUGH_APPROVAL,
    THROUGH_FORM,
    TRANSITIONS,
    Refusal,
    position_refusal,
    refusals,
)
from kinlink.cases.likeness import case_record, identity_record
from kinlink.cases.models import Approval, ApprovalStatus, Case, Stage, Task, TaskStatus
from kinlink.cases.policies import can_edit_case, get_case_for, led_or_assigned, visible_cases
from kinlink.tracing.matching import prepare, score_pair
from kinlink.tracing.matching.engine import SHOW


@dataclass(frozen=True)
class CaseFilters:
    scope: str = "mine"  # "mine" (lead or assigned) or "team" (everything visible)
    stage: str = ""
    risk_level: str = ""
    case_type: str = ""
    overdue: bool = False
    query: str = ""


def case_list(*, user: User, filters: CaseFilters) -> QuerySet[Case]:
    """The cases a list page shows, newest first, in two queries per page at most."""
    cases = visible_cases(user).select_related("team", "lead_caseworker")
    if filters.scope == "mine":
        cases = cases.filter(led_or_assigned(user))
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    if filters.risk_level:
        cases = cases.filter(risk_level=filters.risk_level)
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    if filters.overdue:
        cases = cases.filter(
            first_response_at__isnull=True, first_response_due_at__lt=timezone.now()
        )
    if filters.query:
        cases = cases.filter(_search_filter(filters.query))
    return cases.order_by("-created_at")


def _search_filter(query: str) -> Q:
    """A reference, or every name part matching in any spelling or script."""
    text = query.strip()
    if "-" in text and any(ch.isdigit() for ch in text):
        return Q(reference__iexact=text) | Q(reference__iendswith=text)
    condition = Q()
    for options in names.query_keys(text):
        part = Q()
        for key in options:
            part |= Q(name_index__contains=f" {key} ")
            if not key.startswith("~") and len(key) >= 3:
                part |= Q(name_index__contains=f" {key}")  # a prefix of a Latin name part
        condition &= part
    return condition if condition else Q(pk__in=[])


def cases_shown(*, user: User, listing: str, case_ids: Iterable[UUID]) -> None:
    """A page listing children (names, or a reference) is a read of their records: one VIEW
    event per page names which cases it showed, by id only, never by name."""
    shown = sorted({str(pk) for pk in case_ids})
    if shown:
        record(actor=user, action=AuditAction.VIEW, listing=listing, cases=shown)


def case_open(*, user: User, case_id: UUID | str) -> Case:
    """A case for reading, 404 if out of scope; the read is recorded in the audit trail."""
    case = get_case_for(user, case_id)
    record(actor=user, action=AuditAction.VIEW, obj=case, case_id=case.pk)
    return case


def case_for_edit(*, user: User, case_id: UUID | str, record_view: bool = True) -> Case:
    """A case to change, 404 unless the user may edit it. Edit pages show the child's record,
    so opening one is a read and is audited like the case page."""
    case = get_case_for(user, case_id, "edit")
    if record_view:
        record(actor=user, action=AuditAction.VIEW, obj=case, case_id=case.pk)
    return case


def case_for_move(*, user: User, case_id: UUID | str, name: str) -> Case:
    """The case a lifecycle move is posted on: 404 unless the user may edit it, or, for the
    moves taken on a closed case (reopening), see it; the service then checks the role."""
    case = get_case_for(user, case_id, "view" if name in ON_CLOSED_CASE else "edit")
    record(actor=user, action=AuditAction.VIEW, obj=case, case_id=case.pk)
    return case


@dataclass(frozen=True)
class PossibleDuplicate:
    case: Case
    score: float
    visible: bool


def possible_duplicates(
    *,
    user: User,
    name_parts: list[str],
    date_of_birth: date | None = None,
    age: int | None = None,
    nationalities: list[str] | None = None,
    exclude: UUID | None = None,
    limit: int = 5,
    identity: dict[str, Any] | None = None,
) -> list[PossibleDuplicate]:
    """Existing cases of the agency that may be this child, scored by the tracing matcher.

    The database picks the cases sharing a name key (consonant skeletons, ADR 0008), at most
    200; the matcher (`kinlink.tracing.matching`, ADR 0023) scores each on names across
    scripts and spellings, birth, sex, nationality and place, and those it would show a
    caseworker are listed, best first. Cases outside the user's scope are reported by
    reference only (no name, no details), so that she can ask her supervisor or open one
    with a reason instead of registering twice.
    """
    keys = {k for k in names.keys(name_parts) if k.startswith("~")}
    if not keys or user.agency_id is None:
        return []
    condition = Q()
    for key in keys:
        condition |= Q(name_index__contains=f" {key} ")
    candidates = Case.objects.filter(condition, agency_id=user.agency_id)
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    visible_ids = set(visible_cases(user).values_list("pk", flat=True))
    given = identity or {}
    if not identity:
        parts = [part for part in name_parts if part.strip()]
        given = {
            "given_name": parts[0] if parts else "",
            "family_name": " ".join(parts[1:2]),
            "aliases": parts[2:],
            "date_of_birth": date_of_birth,
            "age_estimate": age,
            "nationalities": nationalities or [],
        }
    query = prepare(identity_record("new", given, record_date=timezone.localdate()))
    found = []
    for case in candidates.prefetch_related("people__person")[:200]:
        score = score_pair(query, prepare(case_record(case)))
        if score.value >= SHOW:
            found.append(PossibleDuplicate(case, round(score.value, 2), case.pk in visible_ids))
    found.sort(key=lambda d: d.score, reverse=True)
    return found[:limit]


def case_history(*, case: Case, include_views: bool) -> QuerySet[AuditEvent]:
    """What happened to the case, newest first; views only for those who may see them."""
    events = AuditEvent.objects.filter(case_id=case.pk).select_related("actor")
    if not include_views:
        events = events.exclude(action=AuditAction.VIEW)
    return events.order_by("-sequence")


def case_history_page(
    *, user: User, case_id: UUID | str, include_views: bool, number: Any, per_page: int
) -> tuple[Case, Page[AuditEvent]]:
    """One page of the case's whole history (404 out of scope); a read of the child's record,
    so it is audited with the page read."""
    case = get_case_for(user, case_id)
    events = case_history(case=case, include_views=include_views)
    page = Paginator(events, per_page).get_page(number)
    record(actor=user, action=AuditAction.VIEW, obj=case, case_id=case.pk, history_page=page.number)
    return case, page


def changes_since(*, case: Case, version: int) -> list[AuditEvent]:
    """The edits that made a form rendered at `version` stale: identity changes, moves,
    the first response and (re)assignments, each carrying the version it made."""
    events = (
        AuditEvent.objects.filter(
            case_id=case.pk,
            action__in=[AuditAction.UPDATE, AuditAction.ASSIGN],
            object_id=str(case.pk),
        )
        .select_related("actor")
        .order_by("sequence")
    )
    return [e for e in events if "version" in e.changes and e.changes["version"][0] >= version]


SMALL_CELL = 5  # counts under this are shown as "fewer than 5" so nobody is singled out


def statistics(*, user: User) -> dict[str, Any]:
    """De-identified aggregates of the agency's cases, small cells suppressed."""
    cases = Case.objects.filter(agency=user.agency)

    def grouped(field: str) -> list[tuple[str, int | None]]:
        rows = cases.values(field).annotate(n=Count("id")).order_by("-n")
        return [(row[field], row["n"] if row["n"] >= SMALL_CELL else None) for row in rows]

    return {
        "total": cases.count(),
        "by_type": grouped("case_type"),
        "by_stage": grouped("stage"),
        "by_risk": grouped("risk_level"),
        "by_origin": grouped("country_of_origin"),
        "by_sex": grouped("sex"),
        "overdue": cases.filter(
            first_response_at__isnull=True, first_response_due_at__lt=timezone.now()
        ).count(),
    }


@dataclass(frozen=True)
class Move:
    """A lifecycle transition as the case page offers it: allowed now, or why not."""

    name: str
    label: str
    needs_reason: bool
    refusals: list[Refusal]
    form_url: str = ""


def lifecycle_moves(*, case: Case, user: User, can_edit: bool | None = None) -> list[Move]:
    """The transitions this user could take from where the case stands, each explained.
    `can_edit`, when the caller already knows it, saves asking the policy again."""
    if case.stage == Stage.CLOSED:
        reopen = TRANSITIONS["reopen"]
        return [Move("reopen", str(reopen.label), True, [])] if user.role in reopen.roles else []
    if not (can_edit_case(user, case) if can_edit is None else can_edit):
        return []
    moves = []
    for transition in TRANSITIONS.values():
        if transition.name in THROUGH_APPROVAL or user.role not in transition.roles:
            continue
        if position_refusal(case, transition) is not None:
            continue
        if transition.name in THROUGH_FORM:
            url = reverse(THROUGH_FORM[transition.name], args=[case.pk])
            moves.append(Move(transition.name, str(transition.label), False, [], form_url=url))
            continue
        moves.append(
            Move(
                transition.name,
                str(transition.label),
                transition.needs_reason,
                refusals(case, transition),
            )
        )
    return moves


MY_DAY_FIRST_RESPONSES = 50


def my_day(*, user: User) -> dict[str, Any]:
    """Open tasks of the user's cases (overdue first), the first responses still due (the
    earliest first), the approvals waiting for her, and what she asked for and was sent back.

    A caseworker sees the tasks she owns or that belong to cases she leads, and the first
    responses of the cases she leads or works on; a supervisor sees those of every case she
    can see.
    """
    tasks = Task.objects.filter(case__in=visible_cases(user).values("pk"), status=TaskStatus.OPEN)
    if user.role != "supervisor":
        tasks = tasks.filter(Q(owner=user) | Q(case__lead_caseworker=user))
    tasks = tasks.select_related("case", "owner").order_by("-overdue", "due_at")[:100]
    first_responses = visible_cases(user).filter(
        first_response_at__isnull=True, stage__in=OPEN_STAGES
    )
    if user.role != "supervisor":
        first_responses = first_responses.filter(led_or_assigned(user))
    first_responses = first_responses.order_by("first_response_due_at")[:MY_DAY_FIRST_RESPONSES]
    approvals = (
        # Only what she may decide: cases of her own teams (workflow.can_decide).
        Approval.objects.filter(
            case__in=visible_cases(user).values("pk"),
            case__team__in=user.teams.all(),
            status=ApprovalStatus.PENDING,
        )
        .exclude(requested_by=user)
        .select_related("case", "requested_by")
        .order_by("created_at")
        if user.role == "supervisor"
        else Approval.objects.none()
    )
    mine_waiting = Approval.objects.filter(
        case__in=visible_cases(user).values("pk"),
        requested_by=user,
        status=ApprovalStatus.PENDING,
    ).select_related("case")
    # What she asked for and was sent back, not asked for again since: with the comments.
    newer = Approval.objects.filter(
        subject=OuterRef("subject"),
        object_id=OuterRef("object_id"),
        created_at__gt=OuterRef("created_at"),
    )
    sent_back = (
        Approval.objects.filter(
            case__in=visible_cases(user).values("pk"),
            requested_by=user,
            status=ApprovalStatus.RETURNED,
        )
        .exclude(Exists(newer))
        .select_related("case", "decided_by")
        .order_by("-decided_at")[:20]
    )
    day: dict[str, Any] = {
        "first_responses": list(first_responses),
        "tasks": list(tasks),
        "approvals": list(approvals),
        "mine_waiting": list(mine_waiting),
        "sent_back": list(sent_back),
    }
    day["case_ids"] = {
        row.pk if isinstance(row, Case) else row.case_id for rows in day.values() for row in rows
    }
    return day
