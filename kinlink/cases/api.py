"""The REST operations on cases, the people around the child, and tasks. A thin adapter: each
operation reads through the selectors and writes through the services the web pages use."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kinlink.accounts.models import Team, User
from kinlink.api.core import (
    ApiRequest,
    Limit,
    Offset,
    Page,
    Text2,
    Text3,
    Text100,
    Text150,
    Text200,
    Text300,
    Text2000,
    page,
    responses,
    seen_version,
    with_etag,
)
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases import services
from kinlink.cases.models import (
    Case,
    CaseType,
    ConsentGiver,
    ConsentScope,
    DobBasis,
    LegalBasis,
    NationalityStatus,
    ReferralSource,
    Relationship,
    RiskLevel,
    Script,
    SeparationStatus,
    Sex,
    Stage,
    Task,
    TaskStatus,
)
from kinlink.cases.policies import visible_cases
from kinlink.cases.selectors import CaseFilters, case_for_edit, case_list, case_open
from kinlink.cases.workflow import task_complete

router = Router(tags=["cases"])
Blank = Literal[""]


class Strict(Schema):
    """Input: an unknown field is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- schemas -----------------------------------------------------------------------------


class CaseOut(Schema):
    id: UUID
    reference: str
    version: int
    stage: str
    hold: str
    team_id: UUID
    lead_caseworker: str = Field(validation_alias="lead_caseworker.username")
    given_name: str
    family_name: str
    given_name_original: str
    family_name_original: str
    original_script: str
    aliases: list[str]
    sex: str
    date_of_birth: date | None
    dob_estimated: bool
    dob_basis: str
    age_estimate: int | None
    age_disputed: bool
    nationality_status: str
    nationalities: list[str]
    languages: list[str]
    country_of_origin: str
    place_of_origin: str
    current_location: str
    case_type: str
    separation_status: str
    referral_source: str
    referral_date: date
    risk_level: str
    first_response_due_at: datetime
    first_response_at: datetime | None
    guardianship_status: str
    legal_status: str
    tracing_status: str
    decided_solution: str
    created_at: datetime
    updated_at: datetime


class CaseSummary(Schema):
    id: UUID
    reference: str
    version: int
    stage: str
    risk_level: str
    case_type: str
    given_name: str
    family_name: str
    first_response_due_at: datetime
    first_response_at: datetime | None
    updated_at: datetime


class CasePage(Page):
    items: list[CaseSummary]


class IdentityPatch(Strict):
    """The fields of the child's identity form; in a change, only those sent are changed."""

    given_name: Text100 = ""
    family_name: Text100 = ""
    given_name_original: Text100 = ""
    family_name_original: Text100 = ""
    original_script: Script | Blank = ""
    aliases: list[Text100] = Field(default_factory=list, max_length=20)
    sex: Sex = Sex.UNKNOWN
    date_of_birth: date | None = None
    dob_estimated: bool = False
    dob_basis: DobBasis | Blank = ""
    age_estimate: int | None = Field(default=None, ge=0, le=25)
    age_disputed: bool = False
    nationality_status: NationalityStatus = NationalityStatus.KNOWN
    nationalities: list[Text2] = Field(default_factory=list, max_length=5)
    languages: list[Text3] = Field(default_factory=list, max_length=10)
    country_of_origin: Text2 = ""
    place_of_origin: Text200 = ""
    current_location: Text200 = ""
    case_type: CaseType = CaseType.UASC_HOST
    separation_status: SeparationStatus = SeparationStatus.UNACCOMPANIED
    referral_source: ReferralSource = ReferralSource.OTHER
    referral_date: date = Field(default_factory=date.today)
    risk_level: RiskLevel = RiskLevel.MEDIUM


class ConsentIn(Strict):
    """Consent or assent, or the legal basis and reason for acting without it."""

    given_by: ConsentGiver | Blank = ""
    given_by_name: Text200 = ""
    scopes: list[ConsentScope] = Field(default_factory=list, max_length=4)
    given_on: date | None = None
    language: Text3 = ""
    legal_basis: LegalBasis | Blank = ""
    reason_without_consent: Text2000 = ""


class CaseRegister(Strict):
    team_id: UUID
    lead_caseworker: Text150
    identity: IdentityPatch
    consent: ConsentIn


class CaseSearch(Strict):
    """A name (any spelling or script) or a reference; sent in the body, never in a URL."""

    query: Text200
    limit: Limit = 25
    offset: Offset = 0


class CaseListFilters(Schema):
    scope: Literal["mine", "team"] = "team"
    stage: Stage | Blank = ""
    risk_level: RiskLevel | Blank = ""
    case_type: CaseType | Blank = ""
    overdue: bool = False
    updated_since: datetime | None = None
    limit: Limit = 25
    offset: Offset = 0


class PersonOut(Schema):
    id: UUID
    person_id: UUID
    full_name: str = Field(validation_alias="person.full_name")
    full_name_original: str = Field(validation_alias="person.full_name_original")
    country: str = Field(validation_alias="person.country")
    contact: str = Field(validation_alias="person.contact")
    relationship: str
    is_carer: bool
    is_guardian: bool
    notes: str
    created_at: datetime


class PersonIn(Strict):
    full_name: Text200
    full_name_original: Text200 = ""
    relationship: Relationship
    country: Text2 = ""
    contact: Text300 = ""
    is_carer: bool = False
    is_guardian: bool = False
    notes: Text2000 = ""


class TaskOut(Schema):
    id: UUID
    case_id: UUID
    version: int
    kind: str
    title: str
    owner: str | None = Field(default=None, validation_alias="owner.username")
    partner_agency: str
    due_at: datetime
    status: str
    overdue: bool
    completed_at: datetime | None


class TaskPage(Page):
    items: list[TaskOut]


class TaskFilters(Schema):
    status: TaskStatus | Blank = ""
    overdue: bool = False
    mine: bool = False
    limit: Limit = 25
    offset: Offset = 0


# --- cases -------------------------------------------------------------------------------


@router.get("/cases", response=responses(200, CasePage), operation_id="case_list")
def list_cases(request: ApiRequest, filters: Query[CaseListFilters]) -> dict[str, object]:
    """Cases the token's user may see, newest first. Filters take no name: search by name
    with `POST /cases/search`."""
    cases = case_list(
        user=request.auth,
        filters=CaseFilters(
            scope=filters.scope,
            stage=filters.stage,
            risk_level=filters.risk_level,
            case_type=filters.case_type,
            overdue=filters.overdue,
        ),
    )
    if filters.updated_since is not None:
        cases = cases.filter(updated_at__gte=filters.updated_since)
    count, items = page(cases, filters.limit, filters.offset)
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post(
    "/cases/search", response=responses(200, CasePage, write=True), operation_id="case_search"
)
def search_cases(request: ApiRequest, payload: CaseSearch) -> dict[str, object]:
    """Cases whose names match in any spelling or script, or whose reference matches."""
    user = request.auth
    record(actor=user, action=AuditAction.SEARCH, query=payload.query, scope="api")
    cases = case_list(user=user, filters=CaseFilters(scope="team", query=payload.query))
    count, items = page(cases, payload.limit, payload.offset)
    return {"count": count, "limit": payload.limit, "offset": payload.offset, "items": items}


@router.post("/cases", response=responses(201, CaseOut, write=True), operation_id="case_register")
def register_case(request: ApiRequest, payload: CaseRegister, response: HttpResponse) -> Status:
    """Register a child (step 1), as the registration form does."""
    user = request.auth
    team = Team.objects.filter(pk=payload.team_id, agency=user.agency).first()
    lead = User.objects.filter(username=payload.lead_caseworker, agency=user.agency).first()
    from django.core.exceptions import ValidationError

    if team is None or lead is None:
        raise ValidationError(
            {"team_id" if team is None else "lead_caseworker": _unknown_in_agency()}
        )
    case = services.case_register(
        actor=user,
        team=team,
        lead_caseworker=lead,
        identity=payload.identity.model_dump(),
        consent=payload.consent.model_dump(),
    )
    with_etag(response, case)
    response["Location"] = f"/api/v1/cases/{case.pk}"
    return Status(201, Case.objects.select_related("lead_caseworker").get(pk=case.pk))


def _unknown_in_agency() -> str:
    from django.utils.translation import gettext as _

    return _("Nothing of this agency has this identifier.")


@router.get("/cases/{case_id}", response=responses(200, CaseOut), operation_id="case_read")
def read_case(request: ApiRequest, case_id: UUID, response: HttpResponse) -> Case:
    """One case; the read is audited. `ETag` carries its version."""
    case = case_open(user=request.auth, case_id=case_id)
    with_etag(response, case)
    return case


@router.patch(
    "/cases/{case_id}",
    response=responses(200, CaseOut, write=True, versioned=True),
    operation_id="case_update",
)
def update_case(
    request: ApiRequest, case_id: UUID, payload: IdentityPatch, response: HttpResponse
) -> Case:
    """Change the fields sent of the child's identity. Needs `If-Match`: a stale version is
    refused with 412 and nothing changes."""
    user = request.auth
    version = seen_version(request)
    case = case_for_edit(user=user, case_id=case_id, record_view=False)
    case = services.case_update(
        actor=user,
        case=case,
        seen_version=version,
        identity=payload.model_dump(exclude_unset=True),
    )
    with_etag(response, case)
    return case


# --- people ------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/people", response=responses(200, list[PersonOut]), operation_id="people_list"
)
def list_people(request: ApiRequest, case_id: UUID) -> list[object]:
    """Relatives, carers and guardians linked to the case."""
    case = case_open(user=request.auth, case_id=case_id)
    return list(case.people.select_related("person"))


@router.post(
    "/cases/{case_id}/people",
    response=responses(201, PersonOut, write=True),
    operation_id="person_add",
)
def add_person(request: ApiRequest, case_id: UUID, payload: PersonIn) -> Status:
    user = request.auth
    case = case_for_edit(user=user, case_id=case_id, record_view=False)
    link = services.case_person_add(actor=user, case=case, **payload.model_dump())
    return Status(201, link)


# --- tasks -------------------------------------------------------------------------------


@router.get("/tasks", response=responses(200, TaskPage), operation_id="task_list")
def list_tasks(request: ApiRequest, filters: Query[TaskFilters]) -> dict[str, object]:
    """Tasks of the cases the user may see, soonest due first."""
    user = request.auth
    tasks = Task.objects.filter(case__in=visible_cases(user)).select_related("owner")
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue:
        tasks = tasks.filter(overdue=True)
    if filters.mine:
        tasks = tasks.filter(owner=user)
    count, items = page(tasks.order_by("due_at", "id"), filters.limit, filters.offset)
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post(
    "/tasks/{task_id}/complete",
    response=responses(200, TaskOut, write=True, versioned=True),
    operation_id="task_complete",
)
def complete_task(request: ApiRequest, task_id: UUID, response: HttpResponse) -> Task:
    """Mark a task done. Needs `If-Match` with the task's ETag (its `version`)."""
    user = request.auth
    version = seen_version(request)
    task = _task_for(user, task_id)
    task = task_complete(actor=user, task=task, seen_version=version)
    with_etag(response, task)
    return task


def _task_for(user: User, task_id: UUID) -> Task:
    from django.http import Http404

    task = (
        Task.objects.filter(pk=task_id, case__in=visible_cases(user))
        .select_related("case", "owner")
        .first()
    )
    if task is None:
        raise Http404
    return task
