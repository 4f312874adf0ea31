"""Who gets what from every URL of the node.

One row per named route: how to fill its parameters and what each persona gets from a GET.
A route added to `config.urls` without a row here fails `test_the_table_has_a_row_for_every_route`.

Outcomes: "200"; "404" (out of scope: the page does not exist for this persona); "405" (POST-only);
"login" (302 to the sign-in page); "→ /path/" (302 elsewhere).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from kinlink.accounts.models import RoleChange, User
from kinlink.api.services import api_token_issue
from kinlink.assessments import services as assessments
from kinlink.care import services as care
from kinlink.cases.models import ApprovalSubject, Case, TaskKind
from kinlink.cases.services import case_assign, case_facts_update, consent_record
from kinlink.cases.tests.form_posts import edit_post
from kinlink.cases.workflow import approval_request, task_open
from kinlink.directory import services as directory
from kinlink.exchange import inbox, keys
from kinlink.exchange import requests as exchange
from kinlink.exchange.models import Attachment, OutboundEnvelope
from kinlink.exchange.tests.support import register_simulated_peer, request_body
from kinlink.plans import services as plans
from kinlink.tracing import services as tracing
from kinlink.tracing import suggest
from kinlink.tracing.models import Suggestion

ANONYMOUS = "anonymous"
PERSONAS = [
    ANONYMOUS,
    "caseworker_a",
    "supervisor_a",
    "caseworker_b",
    "guardian",
    "analyst",
    "node_admin",
    "outsider",
]
SIGNED_IN = PERSONAS[1:]
CASE_STAFF = ["caseworker_a", "supervisor_a", "caseworker_b", "guardian", "outsider"]
REGISTRARS = ["caseworker_a", "supervisor_a", "caseworker_b", "outsider"]
LOGIN = "login"


@dataclass(frozen=True)
class Row:
    """`params`: which of case/user/team the URL takes; `allowed`: who gets `ok`, others `other`."""

    params: str = ""
    allowed: tuple[str, ...] = ()
    ok: str = "200"
    other: str = "404"
    special: dict[str, str] = field(default_factory=dict)

    def expected(self, persona: str) -> str:
        if persona in self.special:
            return self.special[persona]
        if persona == ANONYMOUS:
            return LOGIN
        return self.ok if persona in self.allowed else self.other


def _post_only() -> dict[str, Any]:
    """Row arguments of a POST-only route: every signed-in persona gets 405 from a GET."""
    return {"allowed": tuple(SIGNED_IN), "ok": "405"}


def everyone(outcome: str, **special: str) -> Row:
    return Row(allowed=tuple(SIGNED_IN), ok=outcome, special=special)


ADMIN_ONLY = ("node_admin",)

ROUTES: dict[str, Row] = {
    # Each role lands where its work is.
    "home": Row(
        allowed=tuple(CASE_STAFF),
        ok="→ /cases/",
        special={"analyst": "→ /cases/statistics/", "node_admin": "→ /accounts/users/"},
    ),
    "healthz": everyone("200", anonymous="200"),
    "set_language": everyone("405", anonymous="405"),
    "accounts:login": everyone("→ /", anonymous="200"),
    "accounts:logout": everyone("405"),
    "accounts:notifications": everyone("200"),
    "accounts:mfa_verify": everyone("→ /"),
    "accounts:mfa_enrol": everyone("200"),
    "accounts:security": everyone("200"),
    "accounts:recovery_codes": everyone("405"),
    "accounts:reauthenticate": everyone("200"),
    # Security keys: one's own only (another's answers 404); naming one needs a recent check,
    # which a test sign-in is.
    "accounts:security_key_add": everyone("200"),
    "accounts:security_key_done": everyone("405"),
    "accounts:security_key_remove": Row("security_key", allowed=("caseworker_a",)),
    # django-otp-webauthn's ceremonies answer its script's POSTs; its translations are a script.
    # Registering is refused (403) before the method is looked at while no key is being named.
    "otp_webauthn:credential-registration-begin": everyone("403"),
    "otp_webauthn:credential-registration-complete": everyone("403"),
    "otp_webauthn:credential-authentication-begin": everyone("405"),
    "otp_webauthn:credential-authentication-complete": everyone("405"),
    "otp_webauthn:js-i18n-catalog": everyone("200"),
    "accounts:user_second_factor_reset": Row("user", **_post_only()),
    "accounts:role_change_list": Row(allowed=ADMIN_ONLY),
    "accounts:role_change_decide": Row("role_change", **_post_only()),
    "accounts:user_list": Row(allowed=ADMIN_ONLY),
    "accounts:user_create": Row(allowed=ADMIN_ONLY),
    "accounts:user_edit": Row("user", allowed=ADMIN_ONLY),
    "accounts:user_password": Row("user", allowed=ADMIN_ONLY),
    "accounts:team_list": Row(allowed=ADMIN_ONLY),
    "accounts:team_create": Row(allowed=ADMIN_ONLY),
    "accounts:team_edit": Row("team", allowed=ADMIN_ONLY),
    "accounts:node_settings": Row(allowed=ADMIN_ONLY),
    "cases:list": Row(allowed=tuple(CASE_STAFF)),
    "cases:register": Row(allowed=tuple(REGISTRARS)),
    "cases:duplicates": everyone("405"),
    "cases:break_glass": Row(allowed=tuple(REGISTRARS)),
    "cases:statistics": Row(allowed=("supervisor_a", "analyst")),
    "cases:detail": Row("case", allowed=("caseworker_a", "supervisor_a", "guardian")),
    "cases:history": Row("case", allowed=("caseworker_a", "supervisor_a", "guardian")),
    "cases:edit": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:person_add": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:consent_add": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:first_response": Row("case", allowed=tuple(SIGNED_IN), ok="405"),
    "cases:missing_report": Row("case", allowed=("caseworker_a", "supervisor_a")),
    "cases:assign": Row("case", allowed=("supervisor_a",)),
    "cases:my_day": Row(allowed=tuple(CASE_STAFF)),
    "cases:transition": Row("move", allowed=tuple(SIGNED_IN), ok="405"),
    "cases:task_complete": Row("task", allowed=tuple(SIGNED_IN), ok="405"),
    "cases:approval_decide": Row("approval", allowed=tuple(SIGNED_IN), ok="405"),
}

# Pages of the case's satellite apps: editors see forms; the guardian reads some records.
EDITORS = ("caseworker_a", "supervisor_a")
READERS = (*EDITORS, "guardian")
POST_ONLY = Row(allowed=tuple(SIGNED_IN), ok="405")
ROUTES |= {
    "assessments:views_add": Row("case", allowed=EDITORS),
    "assessments:assessment_add": Row("case", allowed=EDITORS),
    "assessments:assessment_detail": Row("assessment", allowed=READERS),
    "assessments:assessment_edit": Row("assessment", allowed=EDITORS),
    "assessments:assessment_submit": Row("assessment", **_post_only()),
    "assessments:risk_add": Row("case", allowed=EDITORS),
    "assessments:age_add": Row("case", allowed=EDITORS),
    "assessments:age_update": Row("age", allowed=EDITORS),
    "assessments:tracing_update": Row("case", allowed=EDITORS),
    "assessments:family_add": Row("case", allowed=EDITORS),
    "assessments:verification_add": Row("case", allowed=EDITORS),
    "assessments:trafficking_add": Row("case", allowed=EDITORS),
    "assessments:bid_start": Row("case", allowed=EDITORS),
    "assessments:bid_detail": Row("bid", allowed=READERS),
    "assessments:bid_option_add": Row("bid", **_post_only()),
    "assessments:bid_member_add": Row("bid", **_post_only()),
    "assessments:bid_submit": Row("bid", **_post_only()),
    "assessments:bid_decide": Row("bid", **_post_only()),
    "assessments:bid_defer": Row("bid", **_post_only()),
    "care:care_start": Row("case", allowed=EDITORS),
    "care:care_end": Row("arrangement", allowed=EDITORS),
    "care:detention_add": Row("case", allowed=EDITORS),
    "care:detention_end": Row("detention", allowed=EDITORS),
    "care:guardian_request": Row("case", **_post_only()),
    "care:guardian_appoint": Row("case", allowed=EDITORS),
    "care:guardian_end": Row("case", allowed=EDITORS),
    "care:guardian_exception": Row("case", allowed=EDITORS),
    "care:transition_plan": Row("case", allowed=EDITORS),
    "care:plan_edit": Row("case", allowed=EDITORS),
    "care:plan_submit": Row("case", **_post_only()),
    "care:goal_add": Row("case", allowed=EDITORS),
    "care:goal_complete": Row("goal", **_post_only()),
    "care:legal_add": Row("case", allowed=EDITORS),
    "care:legal_edit": Row("procedure", allowed=EDITORS),
    "plans:action_plan_create": Row("case", allowed=EDITORS),
    "plans:action_plan_item_add": Row("action_plan", allowed=EDITORS),
    "plans:action_plan_item_edit": Row("plan_item", allowed=EDITORS),
    "plans:action_plan_submit": Row("action_plan", **_post_only()),
    "plans:return_preparation": Row("case", allowed=EDITORS),
    "plans:sibling_decision": Row("case", allowed=EDITORS),
    "plans:follow_up_create": Row("case", allowed=EDITORS),
    "plans:visit_report": Row("visit", allowed=EDITORS),
    "plans:closure_request": Row("case", allowed=EDITORS),
    "plans:placement_abroad": Row("case", allowed=EDITORS),
}

# The country directory holds no personal data: everyone signed in reads it; only the node
# administrator changes it, imports and exports it.
ROUTES |= {
    "directory:countries": everyone("200"),
    "directory:country": Row("country", allowed=tuple(SIGNED_IN)),
    "directory:country_edit": Row("country", allowed=ADMIN_ONLY),
    "directory:status_add": Row("country", allowed=ADMIN_ONLY),
    "directory:status_edit": Row("status", allowed=ADMIN_ONLY),
    "directory:note_add": Row("country", allowed=ADMIN_ONLY),
    "directory:note": Row("note", allowed=tuple(SIGNED_IN)),
    "directory:note_edit": Row("note", allowed=ADMIN_ONLY),
    "directory:agencies": everyone("200"),
    "directory:agency": Row("agency", allowed=tuple(SIGNED_IN)),
    "directory:agency_add": Row(allowed=ADMIN_ONLY),
    "directory:agency_edit": Row("agency", allowed=ADMIN_ONLY),
    "directory:between": everyone("200"),
    "directory:import": Row(allowed=ADMIN_ONLY),
    "directory:export": Row(allowed=ADMIN_ONLY),
}

# The exchange: the public endpoints peers use, the requests (outgoing on case A, seen as the
# case is; incoming in the agency's inbox, seen by its supervisor) and the administration.
PUBLIC_POST = Row(allowed=tuple(SIGNED_IN), ok="405", special={ANONYMOUS: "405"})
ROUTES |= {
    "node_document": everyone("200", anonymous="200"),
    "exchange:inbox": PUBLIC_POST,
    "exchange:request_list": Row(allowed=tuple(CASE_STAFF)),
    "exchange:request_detail": Row("request", allowed=READERS),
    "exchange:request_edit": Row("request", allowed=EDITORS),
    "exchange:request_submit": Row("request", **_post_only()),
    "exchange:request_withdraw": Row("request", **_post_only()),
    "exchange:request_close": Row("request", **_post_only()),
    "exchange:message_post": Row("request", **_post_only()),
    "exchange:incoming_accept": Row("request", **_post_only()),
    "exchange:incoming_decline": Row("request", **_post_only()),
    "exchange:incoming_reply": Row("request", **_post_only()),
    "exchange:attachment": Row("attachment", allowed=("supervisor_a",)),
    "exchange:peer_list": Row(allowed=ADMIN_ONLY),
    "exchange:peer_register": Row(allowed=ADMIN_ONLY),
    "exchange:peer_detail": Row("peer", allowed=ADMIN_ONLY),
    "audit:checkpoints": Row(allowed=ADMIN_ONLY),
    "audit:checkpoints_held": Row("peer", allowed=ADMIN_ONLY),
    "exchange:outbox": Row(allowed=ADMIN_ONLY),
    "exchange:outbox_retry": Row("envelope", **_post_only()),
    "exchange_case:request_new": Row("case", allowed=EDITORS),
    "integration:token_list": Row(allowed=ADMIN_ONLY),
    "integration:token_issue": Row(allowed=ADMIN_ONLY),
    "integration:token_revoke": Row("token", **_post_only()),
    "integration:primero_import": Row(allowed=("supervisor_a",)),
}
# The REST API authenticates every call by its token, never by the session: a signed-in
# browser gets 401 there (kinlink/api/tests check its scope persona by persona).
TOKEN_ONLY_NAMESPACES = {"api"}

# Reports: dashboards by role (analysts read aggregates only), exports of what one may see,
# documents of the cases one may see and edit.
ROUTES |= {
    "reports:caseload": Row(allowed=tuple(REGISTRARS)),
    "reports:team": Row(allowed=("supervisor_a",)),
    "reports:node": Row(allowed=("supervisor_a", "analyst")),
    "reports:network": Row(allowed=("supervisor_a", "analyst")),
    "reports:export": Row("export", allowed=(*REGISTRARS, "analyst")),
    "reports:document": Row("case", allowed=EDITORS),
    "reports:subject_bundle": Row("case", allowed=("supervisor_a",)),
}

# Family tracing: a relative's request filed by caseworker A, suggested against case A.
ROUTES |= {
    "tracing:list": Row(allowed=REGISTRARS),
    "tracing:new": Row(allowed=REGISTRARS),
    "tracing:review": Row(allowed=REGISTRARS),
    "tracing:match_all": Row(**_post_only()),
    "tracing:suggestion": Row("suggestion", allowed=EDITORS),
    "tracing:case_duplicates": Row("case", **_post_only()),
    "tracing:detail": Row("tracing", allowed=EDITORS),
    "tracing:edit": Row("tracing", allowed=EDITORS),
    "tracing:move": Row("tracing", **_post_only()),
    "tracing:action_add": Row("tracing", **_post_only()),
    "tracing:verification_add": Row("tracing", **_post_only()),
    "tracing:match": Row("tracing", **_post_only()),
}


def named_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL map as "namespace:name"; an unnamed route is an error."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in TOKEN_ONLY_NAMESPACES:
                continue
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from named_routes(pattern.url_patterns, inner)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"the route {pattern.pattern} has no name"
            yield prefix + pattern.name


def outcome(response: HttpResponse) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return LOGIN if location.startswith("/accounts/login/?") else f"→ {location}"
    return str(response.status_code)


@pytest.fixture
def world(
    case_a: Case,
    caseworker_a: User,
    supervisor_a: User,
    caseworker_b: User,
    guardian: User,
    analyst: User,
    node_admin: User,
    outsider: User,
    team_a: Any,
    settings: Any,
    tmp_path: Any,
) -> dict[str, Any]:
    settings.KINLINK_KEYS_DIR = tmp_path / "keys"
    keys.init()
    guinea = register_simulated_peer()
    api_token = api_token_issue(actor=node_admin, user=caseworker_a, name="sync").token
    case_assign(
        actor=supervisor_a, case=case_a, seen_version=case_a.version, add=[(guardian, "guardian")]
    )
    task = task_open(
        case=case_a,
        kind=TaskKind.OTHER,
        title="Call the reception centre",
        due_at=timezone.now() + timedelta(days=1),
        owner=caseworker_a,
    )
    approval = approval_request(
        actor=caseworker_a, case=case_a, subject=ApprovalSubject.CLOSURE, object_id=uuid4()
    )
    assessment = assessments.assessment_create(
        actor=caseworker_a,
        case=case_a,
        kind="initial",
        completed_on=timezone.localdate(),
        recommendation="Stay in the reception centre",
        domains={"safety": "Safe now"},
    )
    age = assessments.age_assessment_request(
        actor=caseworker_a,
        case=case_a,
        reason_for_doubt="Documents and appearance disagree",
        child_consent=True,
        guardian_consent=True,
        methods=["documents"],
        assessors="Team",
    )
    bid = assessments.bid_open(actor=caseworker_a, case=case_a, report="Options compared")
    today = timezone.localdate()
    arrangement = care.care_arrangement_start(
        actor=caseworker_a,
        case=case_a,
        care_type="reception",
        country="MA",
        legal_basis="administrative",
        start_date=today,
    )
    detention = care.detention_record(
        actor=caseworker_a,
        case=case_a,
        place="Port holding area",
        authority="Border police",
        started_on=today,
    )
    plan = care.support_plan_create(
        actor=caseworker_a, case=case_a, concerns="Schooling", review_on=today + timedelta(90)
    )
    goal = care.goal_add(
        actor=caseworker_a,
        plan=plan,
        area="education",
        description="Enrol in school",
        owner=caseworker_a,
        due_on=today + timedelta(30),
    )
    procedure = care.legal_procedure_add(
        actor=caseworker_a,
        case=case_a,
        procedure_type="asylum",
        authority="Asylum office",
        lodged_on=today,
    )
    case_facts_update(actor=None, case=case_a, decided_solution="host")
    action_plan = plans.action_plan_create(actor=caseworker_a, case=case_a)
    follow_up = plans.follow_up_plan_create(
        actor=caseworker_a,
        case=case_a,
        template="after_reunification",
        start_on=today,
        owner=caseworker_a,
    )
    outgoing = exchange.request_draft(
        actor=caseworker_a,
        case=case_a,
        request_type="tracing",
        peer=guinea.peer,
        questions="Please trace his mother.",
    )
    body = request_body()
    body["attachments"] = [
        {
            "name": "birth.pdf",
            "content_type": "application/pdf",
            "sha256": hashlib.sha256(b"%PDF-1.4 test").hexdigest(),
            "content": base64.b64encode(b"%PDF-1.4 test").decode(),
        }
    ]
    inbox.receive(guinea.seal(kind="request", conversation=uuid4(), body=body))
    envelope = OutboundEnvelope.objects.create(
        message_id=uuid4(),
        peer=guinea.peer,
        kind="message",
        conversation=uuid4(),
        token=b"x",
        digest="x",
        size=1,
        status="dead",
        queued_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    security_key = WebAuthnCredential.objects.create(
        user=caseworker_a,
        name="Blue key",
        credential_id=b"credential of caseworker a",
        public_key=b"\xa5",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    role_change = RoleChange.objects.create(
        user=caseworker_a, from_role="caseworker", to_role="supervisor", requested_by=node_admin
    )
    consent_record(
        actor=caseworker_a,
        case=case_a,
        consent={"given_by": "child", "scopes": ["tracing"], "language": "ara"},
    )
    tracing_request = tracing.tracing_request_file(
        actor=caseworker_a,
        team=team_a,
        filed_by="relative",
        values={
            "inquirer_name": "Fatima El Amine",
            "inquirer_relationship": "mother",
            "sought_given_name": "Mohammed",
            "sought_family_name": "Al-Amin",
            "sought_age": 15,
            "sought_nationality": "SD",
        },
    )
    suggest.match_requests(case_a.agency_id, [tracing_request.pk])
    suggestion = Suggestion.objects.get(request=tracing_request)
    morocco = directory.country_create(actor=None, code="MA")
    status = directory.treaty_status_create(
        actor=None,
        country=morocco,
        instrument="hc1996",
        kind="ratification",
        in_force_on=date(2002, 12, 1),
        source_title="HCCH status table",
        source_url="https://www.hcch.net/en/instruments/conventions/status-table/?cid=70",
        checked_on=today,
    )
    note = directory.legal_note_create(
        actor=None,
        country=morocco,
        topic="kafala",
        title="Kafala",
        body="Kafala is recognised.",
        source_title="Code de la famille",
        source_url="https://example.org/code",
        checked_on=today,
    )
    return {
        "country": {"code": "MA"},
        "status": {"status_id": status.pk},
        "note": {"note_id": note.pk},
        "agency": {"agency_id": case_a.agency_id},
        "caseworker_a": caseworker_a,
        "supervisor_a": supervisor_a,
        "caseworker_b": caseworker_b,
        "guardian": guardian,
        "analyst": analyst,
        "node_admin": node_admin,
        "outsider": outsider,
        "case": {"case_id": case_a.pk},
        "user": {"user_id": caseworker_a.pk},
        "team": {"team_id": team_a.pk},
        "role_change": {"change_id": role_change.pk},
        "security_key": {"key_id": security_key.pk},
        "move": {"case_id": case_a.pk, "name": "start_immediate_care"},
        "task": {"case_id": case_a.pk, "task_id": task.pk},
        "approval": {"approval_id": approval.pk},
        "assessment": {"case_id": case_a.pk, "assessment_id": assessment.pk},
        "age": {"case_id": case_a.pk, "age_id": age.pk},
        "bid": {"case_id": case_a.pk, "bid_id": bid.pk},
        "arrangement": {"case_id": case_a.pk, "arrangement_id": arrangement.pk},
        "detention": {"case_id": case_a.pk, "detention_id": detention.pk},
        "goal": {"case_id": case_a.pk, "goal_id": goal.pk},
        "procedure": {"case_id": case_a.pk, "procedure_id": procedure.pk},
        "action_plan": {"case_id": case_a.pk, "plan_id": action_plan.pk},
        "plan_item": {"case_id": case_a.pk, "item_id": action_plan.items.first().pk},
        "visit": {"case_id": case_a.pk, "visit_id": follow_up.visits.first().pk},
        "request": {"request_id": outgoing.pk},
        "attachment": {"attachment_id": Attachment.objects.get().pk},
        "peer": {"peer_id": guinea.peer.pk},
        "envelope": {"envelope_id": envelope.pk},
        "export": {"kind": "cases", "fmt": "csv"},
        "token": {"token_id": api_token.pk},
        "tracing": {"request_id": tracing_request.pk},
        "suggestion": {"suggestion_id": suggestion.pk},
    }


def test_the_table_has_a_row_for_every_route() -> None:
    routes = list(named_routes())
    assert len(routes) == len(set(routes)), "two routes share a name"
    assert sorted(routes) == sorted(ROUTES)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_a_get_as_the_table_says(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    if persona != ANONYMOUS:
        client.force_login(world[persona])
    answers = {}
    for name, row in ROUTES.items():
        url = reverse(name, kwargs=world[row.params] if row.params else None)
        answers[name] = outcome(client.get(url))
    assert answers == {name: row.expected(persona) for name, row in ROUTES.items()}


def test_anonymous_visitors_are_sent_to_sign_in_with_only_the_path_kept(
    world: dict[str, Any], client: Any
) -> None:
    response = client.get("/cases/?q=Mohamed")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/cases/"


# POST-only routes: what a POST does, in and out of scope.


@pytest.mark.parametrize("persona", ["caseworker_b", "guardian", "analyst", "node_admin"])
def test_a_first_response_cannot_be_recorded_out_of_scope(
    persona: str, world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world[persona])
    response = client.post(
        reverse("cases:first_response", args=[case_a.pk]), {"version": case_a.version}
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert case_a.first_response_at is None


def test_the_lead_caseworker_records_the_first_response(
    world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world["caseworker_a"])
    case_a.refresh_from_db()
    response = client.post(
        reverse("cases:first_response", args=[case_a.pk]), {"version": case_a.version}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.first_response_at is not None


def test_anonymous_posts_are_sent_to_sign_in(world: dict[str, Any], client: Any) -> None:
    for name, row in ROUTES.items():
        if row.expected(ANONYMOUS) != LOGIN:
            continue
        url = reverse(name, kwargs=world[row.params] if row.params else None)
        assert outcome(client.post(url, {})) == LOGIN, name


@pytest.mark.parametrize("persona", ["guardian", "analyst", "node_admin"])
def test_the_duplicate_check_answers_404_to_who_cannot_register(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    client.force_login(world[persona])
    response = client.post(reverse("cases:duplicates"), {"given_name": "Muhammad"})
    assert response.status_code == 404


def test_the_duplicate_check_shows_a_caseworker_her_own_case(
    world: dict[str, Any], client: Any, case_a: Case
) -> None:
    client.force_login(world["caseworker_a"])
    response = client.post(
        reverse("cases:duplicates"),
        {"given_name": "Muhammad", "family_name": "Alamin", "age_estimate": "15"},
    )
    assert response.status_code == 200
    assert case_a.reference in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["caseworker_b", "guardian", "analyst", "node_admin", "outsider"]
)
def test_an_edit_posted_out_of_scope_is_404_and_changes_nothing(
    persona: str, world: dict[str, Any], client: Any, case_a: Case
) -> None:
    case_a.refresh_from_db()
    client.force_login(world[persona])
    response = client.post(
        reverse("cases:edit", args=[case_a.pk]), edit_post(case_a, current_location="Rabat")
    )
    assert response.status_code == 404
    case_a.refresh_from_db()
    assert case_a.current_location == "Tangier"


@pytest.mark.parametrize("persona", ["caseworker_a", "supervisor_a", "analyst"])
def test_only_the_node_admin_can_post_a_new_account(
    persona: str, world: dict[str, Any], client: Any
) -> None:
    client.force_login(world[persona])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "intruder",
            "full_name": "Intruder",
            "email": "intruder@example.org",
            "role": "node_admin",
            "language": "en",
            "password1": "a long enough pass phrase",
            "password2": "a long enough pass phrase",
        },
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="intruder").exists()


def test_the_node_admin_cannot_open_an_account_of_another_agency(
    world: dict[str, Any], client: Any
) -> None:
    client.force_login(world["node_admin"])
    response = client.get(reverse("accounts:user_edit", args=[world["outsider"].pk]))
    assert response.status_code == 404


def test_signing_out_ends_the_session(world: dict[str, Any], client: Any) -> None:
    client.force_login(world["caseworker_a"])
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert outcome(client.get(reverse("cases:list"))) == LOGIN
