"""Every indicator Kinlink reports, defined once and computed here (docs/indicators.md).

Each indicator is an `Indicator` (its name, definition, numerator and denominator, as
`docs/indicators.md` states them) and a function from the cases counted (`Scope.cases`,
narrowed by the filters) and a `Period` to a `Result`. Every function issues a fixed number of
queries whatever the number of cases; what is computed in Python (medians, age bands) is read
in one query over the rows of the period. Small cells are suppressed by `suppress`, the one
rule used by dashboards, exports and network statistics alike.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinlink.assessments.models import (
    Assessment,
    BestInterestsDetermination,
    BIDStatus,
    TracingStatusChange,
)
from kinlink.care.models import Guardianship
from kinlink.cases.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    CaseType,
    Hold,
    RiskLevel,
    Sex,
    Solution,
    Stage,
    Task,
    TaskKind,
    TaskStatus,
    TracingStatus,
)
from kinlink.cases.selectors import SMALL_CELL
from kinlink.core.models import NodeSettings
from kinlink.directory.reference import country_name
from kinlink.exchange.models import CrossBorderRequest, Direction, RequestStatus
from kinlink.plans.models import FollowUpVisit

AGE_BANDS = ("0-5", "6-11", "12-17", "18+")
UNKNOWN = "unknown"
WAITING_FOR_PARTNER = (RequestStatus.SENT, RequestStatus.ACKNOWLEDGED, RequestStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: Promise
    definition: Promise
    numerator: Promise
    denominator: Promise
    unit: str = "count"  # count, days (a median), percent


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: int | float | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """An indicator's value (`value`, with its `numerator` and `denominator` where it is a
    ratio or a median) and its breakdown (`rows`)."""

    indicator: Indicator
    value: int | float | None = None
    numerator: int | None = None
    denominator: int | None = None
    rows: tuple[Row, ...] = ()
    suppressed: bool = False


# --- the suppression rule --------------------------------------------------------------------


def suppress(cells: dict[str, int], threshold: int = SMALL_CELL) -> dict[str, int | None]:
    """Hide every count from 1 to threshold − 1 (`None`); then, so that a hidden count cannot
    be worked out from a total, hide the next smallest counts until the hidden cells are at
    least two and add up to at least the threshold (or everything is hidden). Zeros are shown:
    they single nobody out."""
    hidden = {k for k, n in cells.items() if 0 < n < threshold}
    if hidden:
        rest = sorted((n, k) for k, n in cells.items() if k not in hidden and n > 0)
        while rest and (len(hidden) < 2 or sum(cells[k] for k in hidden) < threshold):
            hidden.add(rest.pop(0)[1])
    return {k: (None if k in hidden else n) for k, n in cells.items()}


def small(n: int | None, threshold: int = SMALL_CELL) -> bool:
    return n is not None and 0 < n < threshold


def deidentify(result: Result) -> Result:
    """The result as an analyst sees it: small cells and measures on small groups hidden."""
    rows = result.rows
    if rows:
        hidden = suppress({r.key: int(r.value or 0) for r in rows if r.value is not None})
        rows = tuple(replace(r, value=hidden.get(r.key, r.value)) for r in rows)
    if result.indicator.unit == "count":
        value = None if small(result.value) else result.value  # type: ignore[arg-type]
        return replace(result, rows=rows, value=value, suppressed=value is None and bool(rows))
    if small(result.denominator) or small(result.numerator):
        return replace(result, rows=rows, value=None, numerator=None, suppressed=True)
    return replace(result, rows=rows)


# --- helpers ---------------------------------------------------------------------------------


def _choice_rows(counts: dict[str, int], choices: Any, keep_all: bool = True) -> tuple[Row, ...]:
    rows = [Row(value, str(label), counts.get(value, 0)) for value, label in choices.choices]
    known = set(choices.values)
    rows += [Row(k, str(k), n) for k, n in counts.items() if k not in known]
    return tuple(r for r in rows if keep_all or r.value)


def _grouped(cases: QuerySet[Case], field_name: str) -> dict[str, int]:
    return {
        row[field_name] or UNKNOWN: row["n"]
        for row in cases.values(field_name).annotate(n=Count("id")).order_by()
    }


def _median(values: Iterable[int]) -> float | None:
    values = list(values)
    return round(float(statistics.median(values)), 1) if values else None


def _open(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.exclude(stage=Stage.CLOSED)


def _registered(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    return cases.filter(referral_date__range=(period.start, period.end))


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    if age <= 5:
        return "0-5"
    if age <= 11:
        return "6-11"
    if age <= 17:
        return "12-17"
    return "18+"


def age_at_referral(dob: date | None, estimate: int | None, referral: date) -> int | None:
    if dob is not None:
        return referral.year - dob.year - ((referral.month, referral.day) < (dob.month, dob.day))
    return estimate


def nationality_of(nationalities: list[str] | None, status: str) -> str:
    """The first nationality recorded, else "stateless" or "unknown"."""
    if nationalities:
        return str(nationalities[0])
    return "stateless" if status == "stateless" else UNKNOWN


# --- the indicators --------------------------------------------------------------------------

I = Indicator  # noqa: E741 -- the table below reads better short

CASELOAD_BY_STEP = I(
    "caseload_by_step",
    _("Open cases by step"),
    _("Cases not closed, by the step they stand at today."),
    _("Cases at the step"),
    _("All open cases"),
)
CASELOAD_BY_RISK = I(
    "caseload_by_risk",
    _("Open cases by risk level"),
    _("Cases not closed, by their current risk level."),
    _("Cases at the risk level"),
    _("All open cases"),
)
CASELOAD_BY_TYPE = I(
    "caseload_by_type",
    _("Open cases by case type"),
    _("Cases not closed, by case type."),
    _("Cases of the type"),
    _("All open cases"),
)
FIRST_RESPONSE_OVERDUE = I(
    "first_response_overdue",
    _("First response overdue"),
    _(
        "Open cases whose first-response time (set by the risk level) has passed with no "
        "first response recorded."
    ),
    _("Open cases with the first response overdue"),
    _("All open cases"),
)
TASKS_OVERDUE = I(
    "tasks_overdue",
    _("Overdue tasks"),
    _("Open tasks of the cases counted whose due date has passed, by kind."),
    _("Open tasks past their due date"),
    _("All open tasks"),
)
APPROVALS_WAITING = I(
    "approvals_waiting",
    _("Approvals waiting"),
    _(
        "Requests for a supervisor's approval not yet decided, by subject, with the days the "
        "oldest has waited."
    ),
    _("Pending approvals"),
    _("—"),
)
DAYS_TO_GUARDIAN = I(
    "days_to_guardian",
    _("Days to guardian appointment"),
    _(
        "For children referred in the period who needed a guardian: the median number of days "
        "from the referral date to the first appointment; the share appointed within the node's "
        "time limit."
    ),
    _("Children whose guardian was appointed within the time limit"),
    _("Children referred in the period with a guardian requested"),
    "days",
)
DAYS_TO_ASSESSMENT = I(
    "days_to_assessment",
    _("Days to first assessment"),
    _(
        "For children referred in the period: the median number of days from the referral date "
        "to the completion of the first assessment (initial or comprehensive)."
    ),
    _("Children referred in the period with an assessment completed"),
    _("Children referred in the period"),
    "days",
)
DAYS_TO_BID = I(
    "days_to_bid",
    _("Days to best-interests decision"),
    _(
        "For children referred in the period: the median number of days from the referral date "
        "to the first best-interests determination decided."
    ),
    _("Children referred in the period with a best-interests decision"),
    _("Children referred in the period"),
    "days",
)
REQUESTS_WAITING = I(
    "requests_waiting",
    _("Cross-border requests waiting, by partner"),
    _(
        "Requests sent to a partner agency and not yet answered, by partner, with how many are "
        "past the reply date, and the median days partners took to reply to requests answered "
        "in the period."
    ),
    _("Requests waiting for the partner's reply"),
    _("—"),
)
REGISTERED = I(
    "registered",
    _("Children registered"),
    _("Children referred in the period, by case type."),
    _("Children referred in the period, of the type"),
    _("Children referred in the period"),
)
SOLUTIONS = I(
    "solutions",
    _("Solutions decided, by type"),
    _("Best-interests determinations decided in the period, by the solution chosen."),
    _("Decisions for the solution"),
    _("Decisions taken in the period"),
)
VISITS_ON_TIME = I(
    "visits_on_time",
    _("Follow-up visits done on time"),
    _(
        "Follow-up visits due in the period (up to today) whose report was written on or before "
        "the due date."
    ),
    _("Visits due in the period and done by their due date"),
    _("Visits due in the period, up to today"),
    "percent",
)
REUNIFICATIONS = I(
    "reunifications",
    _("Reunifications"),
    _("Children whose tracing reached “reunified” in the period."),
    _("Children reunified in the period"),
    _("—"),
)
AGEING_OUT = I(
    "ageing_out",
    _("Children ageing out"),
    _(
        "Open cases of children near their 18th birthday (transition planning started), and how "
        "many have their transition-to-adulthood plan done."
    ),
    _("Children ageing out with the transition plan done"),
    _("Open cases of children ageing out"),
    "percent",
)
MISSING = I(
    "missing",
    _("Missing children"),
    _("Open cases on hold because the child is missing, by case type."),
    _("Open cases of missing children"),
    _("All open cases"),
)

ALL = (
    CASELOAD_BY_STEP,
    CASELOAD_BY_RISK,
    CASELOAD_BY_TYPE,
    FIRST_RESPONSE_OVERDUE,
    TASKS_OVERDUE,
    APPROVALS_WAITING,
    DAYS_TO_GUARDIAN,
    DAYS_TO_ASSESSMENT,
    DAYS_TO_BID,
    REQUESTS_WAITING,
    REGISTERED,
    SOLUTIONS,
    VISITS_ON_TIME,
    REUNIFICATIONS,
    AGEING_OUT,
    MISSING,
)
BY_CODE = {i.code: i for i in ALL}


def caseload_by_step(cases: QuerySet[Case], period: Period) -> Result:
    counts = _grouped(_open(cases), "stage")
    rows = tuple(r for r in _choice_rows(counts, Stage) if r.key != Stage.CLOSED)
    return Result(CASELOAD_BY_STEP, value=sum(counts.values()), rows=rows)


def caseload_by_risk(cases: QuerySet[Case], period: Period) -> Result:
    counts = _grouped(_open(cases), "risk_level")
    return Result(
        CASELOAD_BY_RISK, value=sum(counts.values()), rows=_choice_rows(counts, RiskLevel)
    )


def caseload_by_type(cases: QuerySet[Case], period: Period) -> Result:
    counts = _grouped(_open(cases), "case_type")
    return Result(CASELOAD_BY_TYPE, value=sum(counts.values()), rows=_choice_rows(counts, CaseType))


def first_response_overdue(cases: QuerySet[Case], period: Period) -> Result:
    figures = _open(cases).aggregate(
        all=Count("id"),
        overdue=Count(
            "id",
            filter=Q(first_response_at__isnull=True, first_response_due_at__lt=timezone.now()),
        ),
    )
    return Result(
        FIRST_RESPONSE_OVERDUE,
        value=figures["overdue"],
        numerator=figures["overdue"],
        denominator=figures["all"],
    )


def tasks_overdue(cases: QuerySet[Case], period: Period) -> Result:
    tasks = Task.objects.filter(case__in=cases.values("pk"), status=TaskStatus.OPEN)
    rows = (
        tasks.values("kind")
        .annotate(n=Count("id", filter=Q(overdue=True)), all=Count("id"))
        .order_by()
    )
    overdue = {r["kind"]: r["n"] for r in rows}
    total = sum(r["all"] for r in rows)
    return Result(
        TASKS_OVERDUE,
        value=sum(overdue.values()),
        numerator=sum(overdue.values()),
        denominator=total,
        rows=_choice_rows(overdue, TaskKind, keep_all=False),
    )


def approvals_waiting(cases: QuerySet[Case], period: Period) -> Result:
    today = timezone.now()
    rows = (
        Approval.objects.filter(case__in=cases.values("pk"), status=ApprovalStatus.PENDING)
        .values("subject")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .order_by()
    )
    counts = {r["subject"]: r["n"] for r in rows}
    oldest = {r["subject"]: (today - r["oldest"]).days for r in rows}
    result_rows = tuple(
        replace(row, extra={"oldest_days": oldest.get(row.key)})
        for row in _choice_rows(counts, ApprovalSubject, keep_all=False)
    )
    return Result(APPROVALS_WAITING, value=sum(counts.values()), rows=result_rows)


def _first_dates(rows: Iterable[tuple[Any, date, date | None]]) -> dict[Any, tuple[date, date]]:
    """case id → (referral date, earliest date) from (case, referral, date) rows."""
    first: dict[Any, tuple[date, date]] = {}
    for case_id, referral, day in rows:
        if day is None:
            continue
        if case_id not in first or day < first[case_id][1]:
            first[case_id] = (referral, day)
    return first


def days_to_guardian(cases: QuerySet[Case], period: Period) -> Result:
    limit = NodeSettings.current().guardian_appointment_days
    terms = Guardianship.objects.filter(case__in=_registered(cases, period).values("pk"))
    rows = list(terms.values_list("case_id", "case__referral_date", "appointed_on"))
    needed = {case_id for case_id, _r, _d in rows}
    first = _first_dates(rows)
    days = [max(0, (d - r).days) for r, d in first.values()]
    within = sum(1 for n in days if n <= limit)
    return Result(
        DAYS_TO_GUARDIAN,
        value=_median(days),
        numerator=within,
        denominator=len(needed),
        rows=(Row("limit", str(_("Time limit (days)")), limit),),
    )


def _days_to(
    cases: QuerySet[Case],
    period: Period,
    indicator: Indicator,
    model: Any,
    day_field: str,
    **filters: Any,
) -> Result:
    registered = _registered(cases, period)
    records = model.objects.filter(case__in=registered.values("pk"), **filters)
    first = _first_dates(records.values_list("case_id", "case__referral_date", day_field))
    days = [max(0, (d - r).days) for r, d in first.values()]
    return Result(
        indicator, value=_median(days), numerator=len(first), denominator=registered.count()
    )


def days_to_assessment(cases: QuerySet[Case], period: Period) -> Result:
    return _days_to(cases, period, DAYS_TO_ASSESSMENT, Assessment, "completed_on")


def days_to_bid(cases: QuerySet[Case], period: Period) -> Result:
    return _days_to(
        cases,
        period,
        DAYS_TO_BID,
        BestInterestsDetermination,
        "decided_on",
        decided_on__isnull=False,
    )


def requests_waiting(cases: QuerySet[Case], period: Period) -> Result:
    outgoing = CrossBorderRequest.objects.filter(
        case__in=cases.values("pk"), direction=Direction.OUTGOING
    )
    waiting = {
        r["peer__name"]: r
        for r in outgoing.filter(status__in=WAITING_FOR_PARTNER)
        .values("peer__name")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
        .order_by()
    }
    replies: dict[str, list[int]] = {}
    answered = outgoing.filter(
        replied_at__date__range=(period.start, period.end), sent_at__isnull=False
    ).values_list("peer__name", "sent_at", "replied_at")
    for peer, sent, replied in answered:
        if sent is not None and replied is not None:
            replies.setdefault(peer, []).append(max(0, (replied - sent).days))
    rows = tuple(
        Row(
            peer,
            peer,
            waiting.get(peer, {}).get("n", 0),
            {
                "overdue": waiting.get(peer, {}).get("overdue", 0),
                "replied": len(replies.get(peer, [])),
                "median_reply_days": _median(replies.get(peer, [])),
            },
        )
        for peer in sorted(set(waiting) | set(replies))
    )
    return Result(REQUESTS_WAITING, value=sum(r["n"] for r in waiting.values()), rows=rows)


def registered(cases: QuerySet[Case], period: Period) -> Result:
    counts = _grouped(_registered(cases, period), "case_type")
    return Result(
        REGISTERED,
        value=sum(counts.values()),
        denominator=sum(counts.values()),
        rows=_choice_rows(counts, CaseType),
    )


def solutions(cases: QuerySet[Case], period: Period) -> Result:
    decided = BestInterestsDetermination.objects.filter(
        case__in=cases.values("pk"),
        decided_on__range=(period.start, period.end),
        status__in=[BIDStatus.DECIDED, BIDStatus.SUPERSEDED],
    )
    counts = {
        r["solution"]: r["n"] for r in decided.values("solution").annotate(n=Count("id")).order_by()
    }
    total = sum(counts.values())
    return Result(SOLUTIONS, value=total, denominator=total, rows=_choice_rows(counts, Solution))


def visits_on_time(cases: QuerySet[Case], period: Period) -> Result:
    until = min(period.end, timezone.localdate())
    figures = FollowUpVisit.objects.filter(
        case__in=cases.values("pk"), due_on__range=(period.start, until)
    ).aggregate(due=Count("id"), on_time=Count("id", filter=Q(done_on__lte=F("due_on"))))
    due, on_time = figures["due"], figures["on_time"]
    return Result(
        VISITS_ON_TIME,
        value=round(100 * on_time / due, 1) if due else None,
        numerator=on_time,
        denominator=due,
    )


def reunifications(cases: QuerySet[Case], period: Period) -> Result:
    n = (
        TracingStatusChange.objects.filter(
            case__in=cases.values("pk"),
            status=TracingStatus.REUNIFIED,
            created_at__date__range=(period.start, period.end),
        )
        .values("case_id")
        .distinct()
        .count()
    )
    return Result(REUNIFICATIONS, value=n, numerator=n)


def ageing_out(cases: QuerySet[Case], period: Period) -> Result:
    plan_done = Task.objects.filter(
        case=OuterRef("pk"), kind=TaskKind.TRANSITION_PLAN, status=TaskStatus.DONE
    )
    figures = (
        _open(cases)
        .filter(ageing_out_since__isnull=False)
        .annotate(plan_done=Exists(plan_done))
        .aggregate(all=Count("id"), done=Count("id", filter=Q(plan_done=True)))
    )
    total, done = figures["all"], figures["done"]
    return Result(
        AGEING_OUT,
        value=round(100 * done / total, 1) if total else None,
        numerator=done,
        denominator=total,
        rows=(Row("ageing_out", str(_("Ageing out")), total),),
    )


def missing(cases: QuerySet[Case], period: Period) -> Result:
    open_cases = _open(cases)
    counts = _grouped(open_cases.filter(hold=Hold.MISSING), "case_type")
    return Result(
        MISSING,
        value=sum(counts.values()),
        numerator=sum(counts.values()),
        rows=_choice_rows(counts, CaseType, keep_all=False),
    )


COMPUTE: dict[str, Callable[[QuerySet[Case], Period], Result]] = {
    "caseload_by_step": caseload_by_step,
    "caseload_by_risk": caseload_by_risk,
    "caseload_by_type": caseload_by_type,
    "first_response_overdue": first_response_overdue,
    "tasks_overdue": tasks_overdue,
    "approvals_waiting": approvals_waiting,
    "days_to_guardian": days_to_guardian,
    "days_to_assessment": days_to_assessment,
    "days_to_bid": days_to_bid,
    "requests_waiting": requests_waiting,
    "registered": registered,
    "solutions": solutions,
    "visits_on_time": visits_on_time,
    "reunifications": reunifications,
    "ageing_out": ageing_out,
    "missing": missing,
}

# What each dashboard shows, in order.
CASEWORKER = ("caseload_by_step", "caseload_by_risk", "first_response_overdue", "tasks_overdue")
TEAM = (
    "caseload_by_step",
    "caseload_by_risk",
    "caseload_by_type",
    "first_response_overdue",
    "tasks_overdue",
    "approvals_waiting",
    "days_to_guardian",
    "days_to_assessment",
    "days_to_bid",
    "requests_waiting",
)
NODE = (
    "registered",
    "caseload_by_type",
    "solutions",
    "visits_on_time",
    "reunifications",
    "ageing_out",
    "missing",
)


def compute(
    codes: Iterable[str], cases: QuerySet[Case], period: Period, *, deidentified: bool
) -> list[Result]:
    """The indicators named, in order; de-identified (small cells hidden) for analysts."""
    results = [COMPUTE[code](cases, period) for code in codes]
    return [deidentify(r) for r in results] if deidentified else results


# --- the aggregates a node sends to the network (reports.network) ----------------------------

NETWORK_TABLES = (
    "registered_by_type",
    "registered_by_nationality",
    "registered_by_sex",
    "registered_by_age_band",
    "open_by_step",
    "open_by_type",
    "solutions",
)


def vocabulary(table: str) -> Callable[[str], bool]:
    """Which cell keys a network table may hold: the codes of its choices, nothing else."""
    if table.endswith("_by_type"):
        return lambda key: key in CaseType.values or key == UNKNOWN
    if table.endswith("_by_sex"):
        return lambda key: key in Sex.values or key == UNKNOWN
    if table.endswith("_by_age_band"):
        return lambda key: key in AGE_BANDS or key == UNKNOWN
    if table.endswith("_by_step"):
        return lambda key: key in Stage.values
    if table == "solutions":
        return lambda key: key in Solution.values
    # ISO 3166-1 alpha-2 codes only, or "stateless" / "unknown".
    return lambda key: (
        key in {"stateless", UNKNOWN}
        or (len(key) == 2 and key.isascii() and key.isupper() and country_name(key) != key)
    )


def network_tables(cases: QuerySet[Case], period: Period) -> dict[str, dict[str, int | None]]:
    """The de-identified tables a node reports for a period: counts only, small cells
    suppressed. Registrations are broken down from one read of the period's rows."""
    rows = _registered(cases, period).values_list(
        "case_type",
        "sex",
        "nationalities",
        "nationality_status",
        "date_of_birth",
        "age_estimate",
        "referral_date",
    )
    by_type: Counter[str] = Counter()
    by_sex: Counter[str] = Counter()
    by_nationality: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    for case_type, sex, nationalities, status, dob, estimate, referral in rows:
        by_type[case_type] += 1
        by_sex[sex or UNKNOWN] += 1
        by_nationality[nationality_of(nationalities, status)] += 1
        by_age[age_band(age_at_referral(dob, estimate, referral))] += 1
    open_cases = _open(cases)
    decided = solutions(cases, period)
    raw = {
        "registered_by_type": dict(by_type),
        "registered_by_nationality": dict(by_nationality),
        "registered_by_sex": dict(by_sex),
        "registered_by_age_band": dict(by_age),
        "open_by_step": _grouped(open_cases, "stage"),
        "open_by_type": _grouped(open_cases, "case_type"),
        "solutions": {r.key: int(r.value or 0) for r in decided.rows if r.value},
    }
    return {name: suppress(cells) for name, cells in raw.items()}
