"""The matcher run on this node's records, its candidates stored as suggestions to review.

- A relative's request is matched against the agency's cases whose child consented to
  tracing (a consent, not withdrawn, covering tracing) and that are not closed.
- A child's own request is the other way round: the child's case against the relatives'
  open requests.
- Cases are matched against cases to find a child registered twice (on demand for one case,
  or for the whole agency).

Each candidate the matcher would show (its score and field-by-field explanation) is stored
once; a pair already stored — new, confirmed or rejected — is never stored again, so a
rejected pair is never suggested twice. These functions read and write many records: they
run in the background job queue (`jobs.py`), never in a web request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.likeness import SEX, case_record
from kinlink.cases.models import Case, ConsentScope, Stage
from kinlink.tracing.matching import Matcher, Record, Score
from kinlink.tracing.models import (
    FiledBy,
    Suggestion,
    SuggestionKind,
    TracingRequest,
)

TOP = 10


def request_record(request: TracingRequest) -> Record:
    """The child a relative describes, as the matcher reads him."""
    others = tuple(
        name for name in (request.sought_name_original, *request.sought_other_names) if name
    )
    return Record(
        record_id=str(request.pk),
        given_name=request.sought_given_name,
        family_name=request.sought_family_name,
        other_names=others,
        sex=SEX.get(request.sought_sex, ""),
        date_of_birth=request.sought_date_of_birth,
        age_estimate=request.sought_age if request.sought_date_of_birth is None else None,
        record_date=request.filed_on,
        nationality=request.sought_nationality,
        place_of_origin=request.sought_place_of_origin,
        father_name=request.sought_father_name,
        mother_name=request.sought_mother_name,
    )


def consented_cases(agency_id: UUID | str) -> QuerySet[Case]:
    """Open cases of the agency whose child consented to tracing (not withdrawn)."""
    from kinlink.cases.models import Consent

    consenting = {
        case_id
        for case_id, scopes in Consent.objects.filter(
            case__agency_id=agency_id, withdrawn_on__isnull=True
        )
        .exclude(given_by="")
        .values_list("case_id", "scopes")
        if ConsentScope.TRACING in (scopes or [])
    }
    return (
        Case.objects.filter(agency_id=agency_id, pk__in=consenting)
        .exclude(stage=Stage.CLOSED)
        .prefetch_related("people__person")
    )


def open_relative_requests(agency_id: UUID | str) -> QuerySet[TracingRequest]:
    return TracingRequest.objects.filter(
        agency_id=agency_id, filed_by=FiledBy.RELATIVE, case__isnull=True
    ).exclude(status__in=["reunified", "closed_not_found"])


def _evidence(score: Score) -> list[dict[str, object]]:
    return [asdict(line) for line in score.evidence]


def _store(agency_id: UUID | str, pairs: Iterable[tuple[dict[str, object], Score]]) -> int:
    """Store each new pair; one already known (in any state) is left as it is."""
    stored = 0
    for keys, score in pairs:
        if Suggestion.objects.filter(**keys).exists():
            continue
        try:
            with transaction.atomic():
                suggestion = Suggestion.objects.create(
                    agency_id=agency_id,
                    score=round(score.value, 4),
                    suggested=score.suggested,
                    evidence=_evidence(score),
                    **keys,
                )
                for case_id in filter(None, (suggestion.case_id, suggestion.other_case_id)):
                    record(
                        actor=None,
                        actor_label="matcher",
                        action=AuditAction.CREATE,
                        obj=suggestion,
                        case_id=case_id,
                        changes={"score": [None, suggestion.score]},
                    )
        except IntegrityError:  # stored meanwhile by another run
            continue
        stored += 1
    return stored


def _request_pairs(
    matcher: Matcher, requests: Iterable[TracingRequest]
) -> Iterable[tuple[dict[str, object], Score]]:
    for request in requests:
        for score in matcher.explain(request_record(request), TOP):
            yield (
                {
                    "kind": SuggestionKind.REQUEST,
                    "request_id": request.pk,
                    "case_id": UUID(score.right_id),
                },
                score,
            )


def match_requests(agency_id: UUID | str, request_ids: list[UUID] | None = None) -> int:
    """Relatives' open requests (all, or those named) against the consenting cases."""
    cases = [case_record(case) for case in consented_cases(agency_id)]
    requests = open_relative_requests(agency_id)
    if request_ids is not None:
        requests = requests.filter(pk__in=request_ids)
    requests_list = list(requests)
    if not cases or not requests_list:
        return 0
    matcher = Matcher(cases)
    stored = _store(agency_id, _request_pairs(matcher, requests_list))
    TracingRequest.objects.filter(pk__in=[r.pk for r in requests_list]).update(
        matched_at=timezone.now()
    )
    return stored


def match_case_against_requests(case: Case) -> int:
    """A child looking for family: his case against the relatives' open requests, which
    may be looking for him. Only a child who consented to tracing is matched."""
    if not consented_cases(case.agency_id).filter(pk=case.pk).exists():
        return 0
    requests = list(open_relative_requests(case.agency_id))
    if not requests:
        return 0
    matcher = Matcher([request_record(r) for r in requests])
    pairs = [
        (
            {
                "kind": SuggestionKind.REQUEST,
                "request_id": UUID(score.right_id),
                "case_id": case.pk,
            },
            score,
        )
        for score in matcher.explain(case_record(case), TOP)
    ]
    return _store(case.agency_id, pairs)


def _duplicate_keys(a: str, b: str) -> dict[str, object]:
    first, second = sorted((a, b))
    return {"kind": SuggestionKind.DUPLICATE, "case_id": UUID(first), "other_case_id": UUID(second)}


def find_duplicates(agency_id: UUID | str, case_id: UUID | None = None) -> int:
    """Cases of the agency that may be one child registered twice: for one case, or all."""
    cases = list(Case.objects.filter(agency_id=agency_id).prefetch_related("people__person"))
    records = [case_record(case) for case in cases]
    if len(records) < 2:
        return 0
    matcher = Matcher(records)
    wanted = [r for r in records if case_id is None or r.record_id == str(case_id)]
    pairs = []
    for query in wanted:
        for score in matcher.explain(query, TOP + 1):
            if score.right_id != query.record_id:
                pairs.append((_duplicate_keys(query.record_id, score.right_id), score))
    return _store(agency_id, pairs)
