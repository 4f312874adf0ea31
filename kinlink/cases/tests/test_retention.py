"""Retention: closed cases past the node's period are anonymised or deleted, holds respected.

`planted_case` puts one row in every table that holds a case's rows (found from the models,
as `cases.holdings` finds them), each text with a sentinel name, so that a table added later is
covered by the same tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from kinlink.audit.models import AuditEvent
from kinlink.audit.services import verify_chain
from kinlink.cases import lifecycle
from kinlink.cases.holdings import holdings
from kinlink.cases.models import Case, CasePerson, Person, Stage
from kinlink.cases.retention import KEPT_TEXT, retention_run
from kinlink.cases.services import case_person_add
from kinlink.cases.workflow import case_transition
from kinlink.core.fields import EncryptedBinaryField, EncryptedJSONField
from kinlink.core.models import NodeSettings, RetentionAction
from kinlink.exchange.models import CrossBorderRequest, Peer
from kinlink.tracing.models import TracingRequest

SENTINEL = "Zorbuplex"
CLOSED_AT = datetime(2015, 3, 10, 9, 0, tzinfo=UTC)
TEN_YEARS_LATER = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def no_satellite_guards(monkeypatch: Any) -> None:
    monkeypatch.setattr(lifecycle, "_GUARDS", lifecycle.defaultdict(list))


def _value(model: type[models.Model], f: models.Field[Any, Any], known: dict[Any, Any]) -> Any:
    """A value for a field of a planted row: the sentinel in every text."""
    if f.is_relation:
        target = f.related_model
        if f.null and target is type(known[Case].lead_caseworker):
            return None  # "an owner or a partner agency": the partner agency, a text
        if target in known:
            return known[target]
        if f.null:
            return None
        raise LookupError(f"{model._meta.label}.{f.name} needs a {target}")
    if isinstance(f, EncryptedBinaryField | models.BinaryField):
        return SENTINEL.encode()
    if isinstance(f, EncryptedJSONField | models.JSONField):
        return [SENTINEL]
    if f.choices:
        return next(iter(f.flatchoices))[0]
    if isinstance(f, models.CharField | models.TextField):
        if f.max_length is not None and f.max_length <= 3:
            return "ZZ"
        return f"{SENTINEL} {uuid.uuid4().hex[:6]}"[: f.max_length or 200]
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return timezone.localdate()
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return Decimal("0.5")
    if isinstance(f, models.FloatField):
        return 0.5
    if isinstance(f, models.IntegerField):
        return 1
    if isinstance(f, models.UUIDField):
        return uuid.uuid4()
    raise LookupError(f"{model._meta.label}.{f.name}: {type(f).__name__}")


# What a planted row needs to pass its table's constraints.
SHAPES: dict[str, dict[str, Any]] = {"tracing.suggestion": {"other_case": None}}


def plant(case: Case, user: Any) -> dict[Any, Any]:
    """One row, the sentinel in each text, in every table that holds a case's rows."""
    peer = Peer.objects.create(
        node_id="gn-node",
        name="Guinea",
        agency=case.agency,
        country="GN",
        base_url="https://gn.example.org",
        inbox_url="https://gn.example.org/inbox",
        fingerprint="ab",
    )
    person = Person.objects.create(
        agency=case.agency, full_name=f"{SENTINEL} Aunt", contact=f"{SENTINEL} street", country="SD"
    )
    known: dict[Any, Any] = {
        Case: case,
        Person: person,
        Peer: peer,
        type(user): user,
        type(case.agency): case.agency,
        type(case.team): case.team,
    }
    for holding in reversed(holdings()):  # what a row refers to is planted before it
        model = holding.model
        values = {
            f.name: _value(model, f, known)
            for f in model._meta.concrete_fields
            if not f.primary_key
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        }
        values.update(SHAPES.get(holding.label, {}))
        for name in KEPT_TEXT.get(holding.label, ()):  # codes, kept: no sentinel there
            values[name] = ["ZZ"] if isinstance(values[name], list) else "ZZ"
        try:
            with transaction.atomic():
                known[model] = model._default_manager.create(**values)
            continue
        except IntegrityError:
            existing = holding.rows(case).get()
        # A row the registration opened (a guardian request): its texts get the sentinel.
        texts = {
            f.name: values[f.name]
            for f in model._meta.concrete_fields
            if f.name in values
            and not f.is_relation
            and not f.choices
            and isinstance(values[f.name], str | list)
            and SENTINEL in str(values[f.name])
        }
        model._default_manager.filter(pk=existing.pk).update(**texts)
        known[model] = existing
    # Ended: nothing holds the case.
    CrossBorderRequest.objects.filter(case=case).update(status="closed")
    TracingRequest.objects.filter(case=case).update(status="closed_not_found")
    return known


def close(case: Case, caseworker: Any, supervisor: Any) -> Case:
    for actor, name in ((caseworker, "request_closure"), (supervisor, "approve_closure")):
        case.refresh_from_db()
        case_transition(actor=actor, case=case, name=name, seen_version=case.version)
    case.refresh_from_db()
    return case


@pytest.fixture
def planted_case(
    register_case: Any, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> Case:
    with time_machine.travel(CLOSED_AT - timedelta(days=400), tick=False):
        case = register_case(
            given_name=SENTINEL,
            family_name=f"{SENTINEL}ian",
            place_of_origin=f"{SENTINEL}ville",
            current_location=f"{SENTINEL} shelter",
            aliases=[f"{SENTINEL}o"],
            date_of_birth=date(2003, 6, 1),
            age_estimate=None,
            referral_date=date(2014, 2, 1),
        )
        case_person_add(
            actor=caseworker_a, case=case, full_name=f"{SENTINEL} Mother", relationship="mother"
        )
        plant(case, caseworker_a)
    with time_machine.travel(CLOSED_AT, tick=False):
        return close(case, caseworker_a, supervisor_a)


def retention(**settings: Any) -> None:
    NodeSettings.objects.filter(pk=NodeSettings.current().pk).update(**settings)


def text_columns() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if not f.is_relation
        and (
            isinstance(f, models.CharField | models.TextField | models.JSONField)
            or getattr(f, "encrypted_at_rest", False)
        )
    ]


def where_is(sentinel: str) -> list[str]:
    """Every column of every table that still holds the sentinel (encrypted ones read in
    clear through the model)."""
    found = []
    with connection.cursor() as cursor:
        for model, f in text_columns():
            if getattr(f, "encrypted_at_rest", False):
                values = model._default_manager.values_list(f.name, flat=True)
                if any(sentinel in str(v) for v in values):
                    found.append(f"{model._meta.db_table}.{f.column}")
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(f.column)
            cursor.execute(
                # Upper case on both sides: PostgreSQL's LIKE minds the case, SQLite's does not.
                f"SELECT COUNT(*) FROM {table} WHERE UPPER(CAST({column} AS TEXT)) LIKE %s",  # noqa: S608 -- names from the models
                [f"%{sentinel.upper()}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{model._meta.db_table}.{f.column}")
    return found


def test_closing_a_case_dates_its_closure_and_reopening_clears_it(
    case_a: Case, caseworker_a: Any, supervisor_a: Any, no_satellite_guards: None
) -> None:
    with time_machine.travel(CLOSED_AT, tick=False):
        close(case_a, caseworker_a, supervisor_a)
    assert case_a.closed_at == CLOSED_AT
    case_transition(
        actor=supervisor_a,
        case=case_a,
        name="reopen",
        seen_version=case_a.version,
        reason="A new concern from the school",
    )
    case_a.refresh_from_db()
    assert case_a.closed_at is None


def test_before_retention_every_table_of_the_case_holds_the_sentinel(
    planted_case: Case,
) -> None:
    held = {h.model for h in holdings()} | {Case, Person}
    expected = {
        model._meta.db_table
        for model, f in text_columns()
        if model in held
        and not f.choices
        and (getattr(f, "encrypted_at_rest", False) or (f.max_length or 99) > 3)
    }
    assert expected <= {column.split(".")[0] for column in where_is(SENTINEL)}


def test_a_case_closed_ten_years_and_a_day_ago_is_anonymised_and_holds_no_name(
    planted_case: Case,
) -> None:
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        report = retention_run()
    assert (report.due, report.done, report.failed) == (1, 1, 0)
    assert not (left := where_is(SENTINEL)), left
    case = Case.objects.get(pk=planted_case.pk)
    assert case.anonymised_at is not None
    assert case.display_name == "Anonymised case"
    # What the statistics count is kept: the kind, the dates, the country, the sex, the age band.
    assert (case.case_type, case.sex, case.country_of_origin, case.nationalities) == (
        planted_case.case_type,
        planted_case.sex,
        planted_case.country_of_origin,
        planted_case.nationalities,
    )
    assert (case.referral_date, case.closed_at, case.stage) == (
        date(2014, 2, 1),
        CLOSED_AT,
        Stage.CLOSED,
    )
    assert (case.date_of_birth, case.age_estimate) == (None, 10)
    assert CasePerson.objects.filter(case=case).count() == 2  # relationships kept, nameless
    assert not any(
        model._default_manager.exists()
        for model in apps.get_models()
        if any(isinstance(f, models.BinaryField) for f in model._meta.concrete_fields)
        and model in {h.model for h in holdings()}
    )


def test_one_event_without_personal_data_per_case_and_the_chain_still_verifies(
    planted_case: Case,
) -> None:
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        retention_run()
        retention_run()  # idempotent: nothing is due the second time
    events = AuditEvent.objects.filter(case_id=planted_case.pk, action="anonymise")
    assert events.count() == 1
    event = events.get()
    assert event.actor is None and event.actor_label == "retention"
    assert planted_case.reference not in str(event.context)
    assert verify_chain().intact


def test_a_case_closed_a_day_less_than_ten_years_ago_is_untouched(planted_case: Case) -> None:
    with time_machine.travel(TEN_YEARS_LATER - timedelta(days=1), tick=False):
        report = retention_run()
    assert (report.due, report.done) == (0, 0)
    case = Case.objects.get(pk=planted_case.pk)
    assert (case.given_name, case.anonymised_at) == (SENTINEL, None)


def test_the_node_settings_set_the_period(planted_case: Case) -> None:
    retention(retention_years=12)
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=400), tick=False):
        assert retention_run().due == 0
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=365 * 2 + 1), tick=False):
        assert retention_run().done == 1


def test_in_delete_mode_the_case_and_everything_in_it_are_deleted_but_not_the_trail(
    planted_case: Case,
) -> None:
    retention(retention_action=RetentionAction.DELETE)
    events_before = AuditEvent.objects.filter(case_id=planted_case.pk).count()
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        report = retention_run()
    assert (report.done, report.failed) == (1, 0)
    assert not Case.objects.filter(pk=planted_case.pk).exists()
    for holding in holdings():
        assert not holding.model._default_manager.exists(), holding.label
    assert not Person.objects.exists()
    assert not (left := where_is(SENTINEL)), left
    events = AuditEvent.objects.filter(case_id=planted_case.pk)
    assert events.count() == events_before + 1
    assert events.last().action == "delete"  # type: ignore[union-attr]
    assert verify_chain().intact


def test_a_person_linked_to_another_case_keeps_that_case(
    planted_case: Case, register_case: Any, caseworker_a: Any
) -> None:
    other = register_case(given_name="Other")
    aunt = Person.objects.get(full_name=f"{SENTINEL} Aunt")
    CasePerson.objects.create(case=other, person=aunt, relationship="aunt")
    for action in (RetentionAction.ANONYMISE, RetentionAction.DELETE):
        retention(retention_action=action)
        with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
            assert retention_run().failed == 0
        aunt.refresh_from_db()
        assert aunt.full_name == f"{SENTINEL} Aunt"
        assert CasePerson.objects.filter(case=other, person=aunt).exists()


def test_an_open_cross_border_request_holds_the_case(planted_case: Case) -> None:
    CrossBorderRequest.objects.filter(case=planted_case).update(status="sent")
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        report = retention_run()
    assert (report.due, report.held["open_request"], report.done) == (1, 1, 0)
    assert Case.objects.get(pk=planted_case.pk).given_name == SENTINEL


def test_an_open_tracing_request_holds_the_case(planted_case: Case) -> None:
    TracingRequest.objects.filter(case=planted_case).update(status="in_progress")
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        report = retention_run()
    assert (report.held["open_tracing"], report.done) == (1, 0)


def test_a_reopened_case_is_not_due(planted_case: Case, supervisor_a: Any) -> None:
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        case_transition(
            actor=supervisor_a,
            case=planted_case,
            name="reopen",
            seen_version=planted_case.version,
            reason="The child's sister asks for news",
        )
        assert retention_run().due == 0


def test_an_anonymised_case_cannot_be_reopened(planted_case: Case, supervisor_a: Any) -> None:
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        retention_run()
    case = Case.objects.get(pk=planted_case.pk)
    with pytest.raises(lifecycle.TransitionRefused, match="anonymised"):
        case_transition(
            actor=supervisor_a,
            case=case,
            name="reopen",
            seen_version=case.version,
            reason="The child's sister asks for news",
        )


def test_a_dry_run_counts_without_names_and_changes_nothing(planted_case: Case) -> None:
    before = AuditEvent.objects.count()
    out = StringIO()
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        call_command("retention", "--dry-run", stdout=out)
    assert "due: 1" in out.getvalue()
    assert "would be anonymised: 1" in out.getvalue()
    assert SENTINEL not in out.getvalue() and planted_case.reference not in out.getvalue()
    assert AuditEvent.objects.count() == before
    assert Case.objects.get(pk=planted_case.pk).given_name == SENTINEL


def test_the_command_applies_the_rule(planted_case: Case) -> None:
    out = StringIO()
    with time_machine.travel(TEN_YEARS_LATER + timedelta(days=1), tick=False):
        call_command("retention", stdout=out)
    assert "anonymised: 1" in out.getvalue()
    assert not (left := where_is(SENTINEL)), left
