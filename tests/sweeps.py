"""What the security sweeps share: a fingerprint of every table, the audit events written
since a moment, who may use each route of the permission matrix, and the forms of a page as
its browser would post them.

The sweeps walk the URL map (`tests.test_permission_matrix.ROUTES`, itself checked against
`config.urls`), so a route added without a row fails there first and here next.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from kinlink.accounts.models import Team
from kinlink.audit.models import AuditEvent
from tests.test_permission_matrix import ANONYMOUS, LOGIN, ROUTES, TOKEN_ONLY_NAMESPACES, Row

# Tables that move on every request whoever makes it: the audit trail (checked apart, by
# action), sessions and sign-in attempts. Everything else is domain data.
VOLATILE_APPS = {"audit", "sessions", "axes", "contenttypes", "admin", "auth"}


def fingerprint() -> dict[str, str]:
    """Every domain table -> a digest of its rows, ciphertexts and versions included."""
    digests = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.app_label in VOLATILE_APPS or meta.proxy or not meta.managed:
                continue
            # Names from the model registry, never from input.
            sql = f"SELECT * FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"  # noqa: S608
            cursor.execute(sql)
            digest = hashlib.sha256()
            for row in cursor.fetchall():
                values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                digest.update(repr(values).encode())
            digests[meta.db_table] = digest.hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table, digest in after.items() if before.get(table) != digest)


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def audit_since(sequence: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(action, object type, actor, context) of every event recorded after `sequence`."""
    return list(
        AuditEvent.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .values_list("action", "object_type", "actor_label", "context")
    )


def audit_case_ids_since(sequence: int) -> set[Any]:
    return set(AuditEvent.objects.filter(sequence__gt=sequence).values_list("case_id", flat=True))


# --- who may use which route ---------------------------------------------------------------

# Beyond the eight personas of the matrix: a caseworker of team A who is not on case A (scope
# is the caseload, not the team), and the administrator of another agency on the same node.
EXTRA_PERSONAS = ("teammate_a", "other_admin")

# POST-only routes answer 405 to every GET, so the matrix says nothing of who may post them.
POSTERS: dict[str, tuple[str, ...]] = {
    "set_language": ("caseworker_a",),
    "exchange:inbox": (ANONYMOUS,),
    "accounts:logout": ("caseworker_a",),
    "accounts:recovery_codes": ("caseworker_a",),
    "cases:duplicates": ("caseworker_a",),
    "accounts:user_second_factor_reset": ("node_admin",),
    "accounts:role_change_decide": ("node_admin",),
    "cases:first_response": ("caseworker_a", "supervisor_a"),
    "cases:transition": ("caseworker_a", "supervisor_a"),
    "cases:task_complete": ("caseworker_a", "supervisor_a"),
    "cases:approval_decide": ("supervisor_a",),
    "assessments:assessment_submit": ("caseworker_a", "supervisor_a"),
    "assessments:bid_option_add": ("caseworker_a", "supervisor_a"),
    "assessments:bid_member_add": ("caseworker_a", "supervisor_a"),
    "assessments:bid_submit": ("caseworker_a", "supervisor_a"),
    # Any editor of the case reaches the decision; who may decide is a refusal on the page.
    "assessments:bid_decide": ("caseworker_a", "supervisor_a"),
    "assessments:bid_defer": ("caseworker_a", "supervisor_a"),
    "care:guardian_request": ("caseworker_a", "supervisor_a"),
    "care:plan_submit": ("caseworker_a", "supervisor_a"),
    "care:goal_complete": ("caseworker_a", "supervisor_a"),
    "plans:action_plan_submit": ("caseworker_a", "supervisor_a"),
    "exchange:request_submit": ("caseworker_a", "supervisor_a"),
    "exchange:request_withdraw": ("caseworker_a", "supervisor_a"),
    "exchange:request_close": ("caseworker_a", "supervisor_a"),
    "exchange:message_post": ("caseworker_a", "supervisor_a"),
    "exchange:incoming_accept": ("supervisor_a",),
    "exchange:incoming_decline": ("supervisor_a",),
    "exchange:incoming_reply": ("supervisor_a",),
    "exchange:outbox_retry": ("node_admin",),
    "integration:token_revoke": ("node_admin",),
    "tracing:match_all": ("supervisor_a",),
    "tracing:case_duplicates": ("caseworker_a", "supervisor_a"),
    "tracing:move": ("caseworker_a", "supervisor_a"),
    "tracing:action_add": ("caseworker_a", "supervisor_a"),
    "tracing:verification_add": ("caseworker_a", "supervisor_a"),
    "tracing:match": ("caseworker_a", "supervisor_a"),
}

# The incoming request (in agency A's inbox) rather than case A's outgoing one.
INCOMING_ROUTES = {
    "exchange:incoming_accept",
    "exchange:incoming_decline",
    "exchange:incoming_reply",
}

# Ids that name a record; `name`, `kind` and `fmt` name a move or an export format.
NOT_IDS = {"name", "kind", "fmt"}


def is_post_only(row: Row) -> bool:
    return row.ok == "405"


def readers(row: Row) -> tuple[str, ...]:
    if is_post_only(row):
        return ()
    return tuple(p for p in (ANONYMOUS, *row.allowed) if row.expected(p) == "200")


def posters(name: str) -> tuple[str, ...]:
    return POSTERS.get(name) or readers(ROUTES[name]) or ROUTES[name].allowed


def rightful(name: str) -> str:
    """The persona whose work the route is: she reaches the record, or uses the page."""
    row = ROUTES[name]
    if name not in POSTERS and row.expected(ANONYMOUS) != LOGIN:
        return ANONYMOUS
    return posters(name)[0]


def params_key(name: str) -> str:
    return "incoming" if name in INCOMING_ROUTES else ROUTES[name].params


def route_kwargs(
    patterns: list[Any] | None = None, prefix: str = "", inherited: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """Every named route of the URL map (the token-only API aside) -> the names its URL takes."""
    found: dict[str, tuple[str, ...]] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        names = (*inherited, *getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            if pattern.namespace in TOKEN_ONLY_NAMESPACES:
                continue
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found |= route_kwargs(pattern.url_patterns, inner, names)
        else:
            found[prefix + str(pattern.name)] = names
    return found


def object_routes() -> list[str]:
    """Every route whose URL names a record, from the URL map."""
    return sorted(name for name, names in route_kwargs().items() if set(names) - NOT_IDS)


def url_of(name: str, world: dict[str, Any]) -> str:
    key = params_key(name)
    return reverse(name, kwargs=world[key] if key else None)


def extend_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    """The matrix's world with the extra personas, agency A's incoming request, and case B led
    by caseworker B (for URLs that pair one case's id with another case's record)."""
    from conftest import make_user
    from kinlink.exchange.models import CrossBorderRequest, Direction

    caseworker_a, caseworker_b = world["caseworker_a"], world["caseworker_b"]
    agency, other_agency = caseworker_a.agency, world["outsider"].agency
    world["teammate_a"] = make_user(
        "teammate_a", "caseworker", agency, list(caseworker_a.teams.all())
    )
    world["other_admin"] = make_user("other_admin", "node_admin", other_agency, [])
    incoming = CrossBorderRequest.objects.get(direction=Direction.INCOMING)
    world["incoming"] = {"request_id": incoming.pk}
    world["case_b"] = register_case(
        actor=caseworker_b,
        team=Team.objects.get(pk=caseworker_b.teams.first().pk),
        given_name="Yonas",
        family_name="Tesfaye",
        given_name_original="ዮናስ",
        family_name_original="ተስፋዬ",
        original_script="Ethi",
    )
    world["now"] = timezone.now()
    return world


def client_of(world: dict[str, Any], persona: str, **options: Any) -> Client:
    """A browser signed in as `persona` (anonymous stays signed out); a 500 is an answer."""
    client = Client(raise_request_exception=False, **options)
    if persona != ANONYMOUS:
        client.force_login(world[persona])
    return client


def bodies(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Action path -> the form posting there, as the rightful users' pages render it."""
    forms: dict[str, dict[str, Any]] = {}
    for persona in ("caseworker_a", "supervisor_a", "node_admin"):
        client = client_of(world, persona)
        for name, row in ROUTES.items():
            if persona not in readers(row):
                continue
            key = params_key(name)
            url = reverse(name, kwargs=world[key] if key else None)
            response = client.get(url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for action, fields in post_forms(url, response.content.decode()).items():
                    forms.setdefault(action, fields)
        world["incoming_page"] = reverse("exchange:request_detail", kwargs=world["incoming"])
        if persona == "supervisor_a":
            response = client.get(world["incoming_page"])
            for action, fields in post_forms(
                world["incoming_page"], response.content.decode()
            ).items():
                forms.setdefault(action, fields)
    return forms


# --- forms as a browser posts them -----------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action path -> fields with the values a browser would send."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: dict[str, dict[str, Any]] = {}
        self._fields: dict[str, Any] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            action = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self._fields = self.forms.setdefault(action, {})
        elif self._fields is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "file", "reset", "image"}:
                if kind == "submit" and a.get("name"):
                    self._fields.setdefault(a["name"], a.get("value", ""))
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                if kind == "radio":
                    self._fields.setdefault(a["name"], a.get("value", "on"))
                return
            self._add(a["name"], a.get("value", "on" if kind == "checkbox" else ""), kind)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._fields.setdefault(a["name"], "")
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None and value:
                self._select_first = value
            if "selected" in a:
                self._fields[self._select] = value
                self._select_chosen = True

    def _add(self, name: str, value: str, kind: str) -> None:
        assert self._fields is not None
        current = self._fields.get(name)
        if kind == "checkbox" and current is not None:
            self._fields[name] = [*(current if isinstance(current, list) else [current]), value]
        else:
            self._fields[name] = value

    def handle_data(self, data: str) -> None:
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._fields is not None:
            if not self._select_chosen:
                self._fields[self._select] = self._select_first or ""
            self._select = None


def post_forms(page_path: str, html: str) -> dict[str, dict[str, Any]]:
    parser = _Forms(page_path)
    parser.feed(html)
    return parser.forms
