"""The tracing pages: filing, the review queue, the side-by-side comparison and the decision."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kinlink.audit.models import AuditEvent
from kinlink.cases.models import Case
from kinlink.tracing import suggest
from kinlink.tracing.models import Suggestion, TracingRequest
from kinlink.tracing.tests.conftest import relative_values

pytestmark = pytest.mark.django_db


def filed(client: Any, **overrides: Any) -> Any:
    data = {"filed_by": "relative", **relative_values(**overrides)}
    return client.post(reverse("tracing:new"), {k: v for k, v in data.items() if v is not None})


def test_filing_a_request_queues_matching_and_shows_the_request(
    client: Any, caseworker_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(caseworker_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = filed(client)
    request = TracingRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tracing:detail", args=[request.pk])
    assert len(callbacks) == 1  # the matching job, queued for the worker
    assert "Mamadou" not in response["Location"]


def test_bad_input_is_answered_beside_the_fields_and_files_nothing(
    client: Any, caseworker_a: Any
) -> None:
    client.force_login(caseworker_a)
    response = filed(client, inquirer_name="", sought_age=300)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the name of who asks." in html
    assert not TracingRequest.objects.exists()


def test_the_comparison_marks_agreeing_and_conflicting_fields_and_a_reject_is_kept(
    client: Any, caseworker_a: Any, mamadu: Case
) -> None:
    client.force_login(caseworker_a)
    filed(client)
    suggest.match_requests(mamadu.agency_id)
    suggestion = Suggestion.objects.get()
    queue = client.get(reverse("tracing:review")).content.decode()
    assert reverse("tracing:suggestion", args=[suggestion.pk]) in queue
    page = client.get(reverse("tracing:suggestion", args=[suggestion.pk])).content.decode()
    assert 'data-verdict="agree"' in page
    assert "Mamadu JALLOW" in page and "Mamadou Diallo" in page
    assert AuditEvent.objects.filter(
        action="view", object_id=str(suggestion.pk), case_id=mamadu.pk
    ).exists()
    url = reverse("tracing:suggestion", args=[suggestion.pk])
    refused = client.post(url, {"version": suggestion.version, "decision": "reject"})
    assert "Say why these are not the same child." in refused.content.decode()
    done = client.post(
        url, {"version": suggestion.version, "decision": "reject", "reason": "Another boy."}
    )
    assert done.status_code == 302
    assert Suggestion.objects.get().status == "rejected"
    assert (
        reverse("tracing:suggestion", args=[suggestion.pk])
        not in client.get(reverse("tracing:review")).content.decode()
    )


def test_a_caseworker_who_may_not_see_the_case_gets_404_for_its_suggestion(
    client: Any, caseworker_a: Any, caseworker_b: Any, mamadu: Case
) -> None:
    client.force_login(caseworker_a)
    filed(client)
    suggest.match_requests(mamadu.agency_id)
    suggestion = Suggestion.objects.get()
    client.force_login(caseworker_b)
    assert client.get(reverse("tracing:suggestion", args=[suggestion.pk])).status_code == 404
    assert "JALLOW" not in client.get(reverse("tracing:review")).content.decode()
