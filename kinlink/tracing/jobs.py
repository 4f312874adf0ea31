"""Matching in the background job queue (ADR 0011): the matcher reads every consenting case
of the agency, so it never runs inside a web request. Views enqueue these tasks once their
transaction commits; `kinlink worker` runs them."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from kinlink.cases.models import Case
from kinlink.tracing import suggest
from kinlink.tracing.models import FiledBy, TracingRequest


@task()
def match_request(request_id: str) -> int:
    """One new or changed request: a relative's against the cases, a child's the other way."""
    request = TracingRequest.objects.filter(pk=request_id).select_related("case").first()
    if request is None:
        return 0
    if request.filed_by == FiledBy.CHILD and request.case is not None:
        return suggest.match_case_against_requests(request.case)
    return suggest.match_requests(request.agency_id, [request.pk])


@task()
def match_agency(agency_id: str) -> dict[str, int]:
    """Everything of one agency: every open request against the cases, cases against cases."""
    return {
        "requests": suggest.match_requests(agency_id),
        "duplicates": suggest.find_duplicates(agency_id),
    }


@task()
def find_case_duplicates(case_id: str) -> int:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return 0
    return suggest.find_duplicates(case.agency_id, UUID(case_id))


@task()
def match_incoming(request_id: str) -> str:
    """A request received from abroad: matched here, and the partner answered."""
    from kinlink.tracing.abroad import incoming_matched

    request = TracingRequest.objects.filter(pk=request_id).first()
    if request is None:
        return ""
    suggest.match_requests(request.agency_id, [request.pk])
    return incoming_matched(request)
