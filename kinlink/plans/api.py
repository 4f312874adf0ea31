"""The REST operations on follow-up plans and visits (step 8), through the plans services."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kinlink.accounts.models import User
from kinlink.api.core import (
    ApiRequest,
    Text150,
    Text200,
    Text4000,
    responses,
    seen_version,
    with_etag,
)
from kinlink.cases.selectors import case_for_edit, case_open
from kinlink.plans import services
from kinlink.plans.models import FollowUpPlan, FollowUpTemplate, NotSeenReason
from kinlink.plans.selectors import visit_of

router = Router(tags=["follow-up"])


class VisitReportOut(Schema):
    visited_on: date
    child_seen: bool
    reason_not_seen: str
    well_being: str
    safety: str
    school: str
    concerns: str
    actions_taken: str
    further_visits_needed: bool
    written_by_agency: str


class VisitOut(Schema):
    id: UUID
    version: int
    number: int
    due_on: date
    done_on: date | None
    report: VisitReportOut | None = None

    @staticmethod
    def resolve_report(obj: object) -> object:
        return getattr(obj, "report", None)


class FollowUpOut(Schema):
    id: UUID
    version: int
    template: str
    start_on: date
    interval_days: int | None
    months: int | None
    owner: str | None = Field(default=None, validation_alias="owner.username")
    partner_agency: str
    superseded_at: datetime | None
    visits: list[VisitOut]

    @staticmethod
    def resolve_visits(obj: FollowUpPlan) -> list[object]:
        return list(obj.visits.all())


class FollowUpIn(Schema):
    model_config = ConfigDict(extra="forbid")

    template: FollowUpTemplate
    start_on: date
    owner: Text150 = ""
    partner_agency: Text200 = ""
    interval_days: int | None = Field(default=None, ge=1, le=366)
    months: int | None = Field(default=None, ge=1, le=36)


class VisitReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    visited_on: date
    child_seen: bool
    reason_not_seen: NotSeenReason | None = None
    well_being: Text4000 = ""
    safety: Text4000 = ""
    school: Text4000 = ""
    concerns: Text4000 = ""
    actions_taken: Text4000 = ""
    further_visits_needed: bool = True
    written_by_agency: Text200 = ""


@router.get(
    "/cases/{case_id}/follow-ups",
    response=responses(200, list[FollowUpOut]),
    operation_id="follow_up_list",
)
def list_follow_ups(request: ApiRequest, case_id: UUID) -> list[object]:
    """The case's follow-up plans, newest first, with their visits and reports."""
    case = case_open(user=request.auth, case_id=case_id)
    plans = (
        FollowUpPlan.objects.filter(case=case)
        .select_related("owner")
        .prefetch_related("visits__report")
    )
    return list(plans)


@router.post(
    "/cases/{case_id}/follow-ups",
    response=responses(201, FollowUpOut, write=True),
    operation_id="follow_up_create",
)
def create_follow_up(request: ApiRequest, case_id: UUID, payload: FollowUpIn) -> Status:
    """Schedule the follow-up visits of a template (each with its task)."""
    user = request.auth
    case = case_for_edit(user=user, case_id=case_id, record_view=False)
    owner = None
    if payload.owner:
        owner = User.objects.filter(username=payload.owner, agency_id=case.agency_id).first()
        if owner is None:
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError({"owner": _("Nothing of this agency has this identifier.")})
    plan = services.follow_up_plan_create(
        actor=user,
        case=case,
        template=payload.template,
        start_on=payload.start_on,
        owner=owner,
        partner_agency=payload.partner_agency,
        interval_days=payload.interval_days,
        months=payload.months,
    )
    return Status(201, plan)


@router.post(
    "/cases/{case_id}/visits/{visit_id}/report",
    response=responses(201, VisitOut, write=True, versioned=True),
    operation_id="visit_report",
)
def report_visit(
    request: ApiRequest,
    case_id: UUID,
    visit_id: UUID,
    payload: VisitReportIn,
    response: HttpResponse,
) -> Status:
    """Write what a visit found, once. Needs `If-Match` with the visit's ETag."""
    user = request.auth
    version = seen_version(request)
    case = case_for_edit(user=user, case_id=case_id, record_view=False)
    visit = visit_of(case, visit_id)
    values = payload.model_dump()
    values["reason_not_seen"] = values["reason_not_seen"] or ""
    services.visit_report_record(actor=user, visit=visit, seen_version=version, **values)
    visit.refresh_from_db()
    with_etag(response, visit)
    return Status(201, visit)
