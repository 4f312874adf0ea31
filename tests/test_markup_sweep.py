"""Markup planted in free text is shown as text: every free-text field of every case-bearing
record of the matrix's `world` holds a script and an image with an `onerror`, and no page (nor
the HTML a PDF document is printed from) carries them as markup.

The fields come from model introspection: a text field added to a case-bearing model is
planted too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core import validators
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from kinlink.cases.models import Case
from kinlink.core.fields import EncryptedJSONField
from kinlink.exchange.models import CrossBorderRequest
from kinlink.reports import documents
from kinlink.tracing.models import TracingRequest
from tests import sweeps
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import ROUTES

world = matrix.world  # the matrix's fixture: one of every record, on case A

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'&"
# What must never reach a page: the payload read as markup, or breaking out of an attribute.
RAW = ("<script>alert(1)", "<img src=x onerror", "alert(1)>\"'&")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ROOTS = (Case, CrossBorderRequest, TracingRequest)
CASE_APPS = {"cases", "assessments", "care", "plans", "tracing", "exchange"}
# Written by the node, never typed by anyone: checked on intake (the document's type and
# digest) or derived from the names (the search index).
MACHINE_FIELDS = {
    "exchange.Attachment.content_type",
    "exchange.Attachment.sha256",
    "cases.Case.name_index",
}


def case_bearing_models() -> list[type[models.Model]]:
    """The roots, what points to them (to a fixed point), and what those records point to
    within the case apps (the people linked to a case, the peer a request goes to)."""
    found: set[type[models.Model]] = set(ROOTS)
    kinlink_models = [m for m in apps.get_models() if m.__module__.startswith("kinlink.")]
    grew = True
    while grew:
        grew = False
        for model in kinlink_models:
            if model not in found and any(
                f.is_relation and f.related_model in found and (f.many_to_one or f.one_to_one)
                for f in model._meta.concrete_fields
            ):
                found.add(model)
                grew = True
    for model in list(found):
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if target is not None and target._meta.app_label in CASE_APPS:
                found.add(target)
    return sorted(found, key=lambda m: m._meta.label)


def free_text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """Text a person types: no choices, no format validator, room for the payload."""
    plain = (validators.MaxLengthValidator, validators.ProhibitNullCharactersValidator)
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, EncryptedJSONField)
        and not f.choices
        and (f.max_length is None or f.max_length >= len(PAYLOAD) + 8)
        and all(isinstance(v, plain) for v in f.validators)
        and f"{model._meta.label}.{f.name}" not in MACHINE_FIELDS
    ]


def plant(world: dict[str, Any]) -> list[str]:
    """The payload in every free-text field of every case-bearing row (numbered, so unique
    fields stay unique); returns the fields planted."""
    planted, number = set(), 0
    for model in case_bearing_models():
        for pk in model._default_manager.values_list("pk", flat=True):
            for f in free_text_fields(model):
                number += 1
                # Past the services on purpose: what is stored is what any door let in. A
                # constraint may forbid text there (a line's partner beside its owner).
                try:
                    with transaction.atomic():
                        rows = model._default_manager.filter(pk=pk)
                        rows.update(**{f.name: f"{PAYLOAD} #{number}"})
                except IntegrityError:
                    continue
                planted.add(f"{model._meta.label}.{f.name}")
    return sorted(planted)


def test_the_planted_fields_are_found_by_introspection() -> None:
    labels = {m._meta.label for m in case_bearing_models()}
    assert {"cases.Case", "cases.Person", "care.SupportPlan", "exchange.Peer"} <= labels
    names = {f.name for f in free_text_fields(Case)}
    assert {"given_name", "current_location", "hold_reason"} <= names
    assert "reference" not in names


def raw_markup(html: str) -> list[str]:
    return [marker for marker in RAW if marker in html]


@pytest.fixture
def planted_world(world: dict[str, Any], register_case: Any) -> dict[str, Any]:
    world = sweeps.extend_world(world, register_case)
    world["planted"] = plant(world)
    return world


def test_markup_in_every_free_text_field_is_shown_as_text(
    planted_world: dict[str, Any],
) -> None:
    world = planted_world
    assert len(world["planted"]) > 60
    pages = {}
    for persona in ("caseworker_a", "supervisor_a", "guardian"):
        client = sweeps.client_of(world, persona)
        for name, row in ROUTES.items():
            if persona in sweeps.readers(row):
                pages[persona, name] = client.get(sweeps.url_of(name, world))
        incoming = reverse("exchange:request_detail", kwargs=world["incoming"])
        if persona == "supervisor_a":
            pages[persona, "incoming"] = client.get(incoming)
        pages[persona, "case rows"] = client.get(reverse("cases:list"), HTTP_HX_REQUEST="true")
    answers = {key: response.status_code for key, response in pages.items()}
    assert {key: code for key, code in answers.items() if code != 200} == {}
    html = {
        key: response.content.decode()
        for key, response in pages.items()
        if "html" in response["Content-Type"]
    }
    assert {key: raw_markup(text) for key, text in html.items() if raw_markup(text)} == {}
    shown = {key for key, text in html.items() if ESCAPED in text}
    assert {
        ("caseworker_a", "cases:detail"),
        ("caseworker_a", "exchange:request_detail"),
        ("caseworker_a", "tracing:detail"),
        ("supervisor_a", "incoming"),
        ("guardian", "cases:detail"),
    } <= shown
    assert len(shown) > 40


def test_markup_in_free_text_is_printed_as_text_in_documents(
    planted_world: dict[str, Any],
) -> None:
    world = planted_world
    case = Case.objects.get(pk=world["case"]["case_id"])
    printed = {}
    for code, document in documents.DOCUMENTS.items():
        try:
            printed[code] = documents.render_html(
                document=document,
                case=case,
                language="en",
                leave_out=set(),
                author=world["caseworker_a"],
            )
        except documents.NothingToReport:
            continue
    assert "case_summary" in printed
    assert {code: raw_markup(html) for code, html in printed.items() if raw_markup(html)} == {}
    assert ESCAPED in printed["case_summary"]
