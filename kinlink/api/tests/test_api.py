"""The REST API: tokens, the same scope as the web pages, versions, errors that change
nothing, and an audit event for every call."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import CONSENT, identity
from kinlink.api.models import ApiToken
from kinlink.api.services import api_token_issue, api_token_revoke
from kinlink.audit.models import AuditAction, AuditEvent
from kinlink.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_for(node_admin: Any) -> Any:
    def issue(user: Any, days: int = 30) -> str:
        return api_token_issue(actor=node_admin, user=user, name="test", days=days).secret

    return issue


class Api:
    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        data = (
            body
            if isinstance(body, str | bytes)
            else json.dumps(body)
            if body is not None
            else None
        )
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", **extra
        )


@pytest.fixture
def amina(client: Any, caseworker_a: Any, token_for: Any) -> Api:
    return Api(client, token_for(caseworker_a))


def test_a_caseworker_reads_her_case_with_its_version_and_the_read_is_audited(
    amina: Api, case_a: Case
) -> None:
    response = amina.call("get", f"/cases/{case_a.pk}")
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v1"'
    assert response.json()["reference"] == case_a.reference
    actions = list(
        AuditEvent.objects.filter(case_id=case_a.pk, action=AuditAction.VIEW).values_list(
            "actor__username", flat=True
        )
    )
    assert actions == ["caseworker_a"]
    call = AuditEvent.objects.filter(action=AuditAction.API_CALL).latest("sequence")
    assert call.actor.username == "caseworker_a"
    assert call.context["operation"] == "read_case"
    assert call.context["status"] == 200


def test_a_case_of_another_team_answers_404(
    client: Any, caseworker_b: Any, token_for: Any, case_a: Case
) -> None:
    api = Api(client, token_for(caseworker_b))
    response = api.call("get", f"/cases/{case_a.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    listed = api.call("get", "/cases").json()
    assert listed["count"] == 0


@pytest.mark.parametrize(
    ("token", "code"),
    [("", "token_missing"), ("kl_0000_nothing", "token_invalid"), ("garbage", "token_invalid")],
)
def test_calls_without_a_valid_token_are_refused_and_audited(
    client: Any, case_a: Case, token: str, code: str
) -> None:
    response = Api(client, token).call("get", f"/cases/{case_a.pk}")
    assert response.status_code == 401
    assert response.json()["code"] == code
    call = AuditEvent.objects.filter(action=AuditAction.API_CALL).latest("sequence")
    assert call.actor is None and call.context["status"] == 401


def test_an_expired_or_revoked_token_is_refused(
    client: Any, caseworker_a: Any, node_admin: Any, case_a: Case
) -> None:
    issued = api_token_issue(actor=node_admin, user=caseworker_a, name="sync", days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = Api(client, issued.secret).call("get", f"/cases/{case_a.pk}")
    assert (response.status_code, response.json()["code"]) == (401, "token_expired")
    other = api_token_issue(actor=node_admin, user=caseworker_a, name="sync", days=1)
    api_token_revoke(actor=node_admin, token=other.token)
    response = Api(client, other.secret).call("get", f"/cases/{case_a.pk}")
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")


def test_tokens_are_stored_as_digests_only(caseworker_a: Any, node_admin: Any) -> None:
    issued = api_token_issue(actor=node_admin, user=caseworker_a, name="sync")
    row = ApiToken.objects.get()
    assert issued.secret not in {row.digest, row.prefix}
    assert issued.secret.split("_")[2] not in row.digest


def test_an_edit_with_the_current_version_is_applied_and_a_stale_one_refused(
    amina: Api, case_a: Case
) -> None:
    first = amina.call(
        "patch", f"/cases/{case_a.pk}", {"current_location": "Rabat"}, if_match='"v1"'
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] == '"v2"'
    stale = amina.call("patch", f"/cases/{case_a.pk}", {"current_location": "Fès"}, if_match='"v1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_conflict"
    assert stale["ETag"] == '"v2"'
    case_a.refresh_from_db()
    assert (case_a.current_location, case_a.version) == ("Rabat", 2)


def test_an_edit_without_if_match_is_refused_with_428(amina: Api, case_a: Case) -> None:
    response = amina.call("patch", f"/cases/{case_a.pk}", {"current_location": "Rabat"})
    assert (response.status_code, response.json()["code"]) == (428, "version_required")
    case_a.refresh_from_db()
    assert case_a.version == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ('{"current_location": ', 400, "malformed_body", None),
        ({"favourite_colour": "blue"}, 422, "invalid", "favourite_colour"),
        ({"age_estimate": "fifteen"}, 422, "invalid", "age_estimate"),
        ({"sex": "dragon"}, 422, "invalid", "sex"),
        ({"given_name": "Moh4med"}, 422, "refused", "given_name"),
        ({"current_location": "x\u0000y"}, 422, "invalid", "current_location"),
    ],
)
def test_bad_input_gets_a_machine_readable_error_and_changes_nothing(
    amina: Api, case_a: Case, body: Any, status: int, code: str, field: str | None
) -> None:
    response = amina.call("patch", f"/cases/{case_a.pk}", body, if_match='"v1"')
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["code"] == code and answer["message"]
    if field:
        assert field in [e["field"] for e in answer["errors"]]
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_an_oversize_body_is_refused_before_it_is_read(amina: Api, case_a: Case) -> None:
    body = json.dumps({"place_of_origin": "x" * 70_000})
    response = amina.call("patch", f"/cases/{case_a.pk}", body, if_match='"v1"')
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    case_a.refresh_from_db()
    assert case_a.version == 1


def test_errors_speak_the_callers_language(amina: Api, case_a: Case) -> None:
    response = amina.call(
        "patch", f"/cases/{case_a.pk}", {"current_location": "Rabat"}, accept_language="fr"
    )
    assert response.json()["message"].startswith("Envoyez")


def test_registering_a_case_goes_through_the_registration_rules(amina: Api, team_a: Any) -> None:
    values = identity()
    values["referral_date"] = values["referral_date"].isoformat()
    body = {
        "team_id": str(team_a.pk),
        "lead_caseworker": "caseworker_a",
        "identity": values,
        "consent": CONSENT,
    }
    response = amina.call("post", "/cases", body)
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert response.json()["reference"] == case.reference
    no_consent = {**body, "consent": {}}
    refused = amina.call("post", "/cases", no_consent)
    assert refused.status_code == 422 and refused.json()["code"] == "refused"
    assert Case.objects.count() == 1


def test_people_tasks_and_lists_follow_the_case(amina: Api, case_a: Case) -> None:
    added = amina.call(
        "post",
        f"/cases/{case_a.pk}/people",
        {"full_name": "Fatima El Amine", "relationship": "mother"},
    )
    assert added.status_code == 201, added.content
    people = amina.call("get", f"/cases/{case_a.pk}/people").json()
    assert [p["relationship"] for p in people] == ["mother"]
    tasks = amina.call("get", "/tasks?status=open").json()
    assert tasks["count"] == len(tasks["items"])
    cases = amina.call("get", "/cases?limit=1&offset=0").json()
    assert cases["count"] == 1 and cases["items"][0]["id"] == str(case_a.pk)
    found = amina.call("post", "/cases/search", {"query": "محمد"}).json()
    assert found["count"] == 1


def test_a_task_is_completed_with_its_version(amina: Api, case_a: Case, caseworker_a: Any) -> None:
    from kinlink.cases.workflow import task_open

    task = task_open(
        case=case_a,
        kind="other",
        title="Call the school",
        due_at=timezone.now(),
        owner=caseworker_a,
    )
    missing = amina.call("post", f"/tasks/{task.pk}/complete")
    assert missing.status_code == 428
    done = amina.call("post", f"/tasks/{task.pk}/complete", if_match='"v1"')
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = amina.call("post", f"/tasks/{task.pk}/complete", if_match='"v1"')
    assert again.status_code in {412, 422}


def test_the_openapi_description_is_served_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases/{case_id}" in paths
    assert "412" in paths["/api/v1/cases/{case_id}"]["patch"]["responses"]
