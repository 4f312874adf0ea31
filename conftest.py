"""Shared test base: a demonstration-like agency with named personas.

- caseworker_a (Amina) leads cases in team A; supervisor_a (Youssef) supervises team A;
- caseworker_b (Karim) works in team B and must see nothing of team A;
- guardian (Salma) is appointed on some cases; analyst (Nadia) sees aggregates only;
- node_admin (Omar) manages users and teams and sees no case content;
- outsider is a caseworker of another agency on the same node.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _force_login_is_a_full_sign_in(monkeypatch: Any) -> None:
    """`client.force_login(user)` stands for a complete, recent sign-in: password and second
    factor checked now. Tests of the second factor sign in through the pages instead."""
    from django.test import Client
    from django.utils import timezone

    from kinlink.accounts.mfa import MFA_VERIFIED_AT, REAUTH_AT

    original = Client.force_login

    def force_login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        session = self.session
        session[MFA_VERIFIED_AT] = session[REAUTH_AT] = timezone.now().isoformat()
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def agency(db: Any) -> Any:
    from kinlink.directory.models import Agency

    return Agency.objects.create(name="Agence A", country="MA", code="agence-a")


@pytest.fixture
def other_agency(db: Any) -> Any:
    from kinlink.directory.models import Agency

    return Agency.objects.create(name="Agency Z", country="MA", code="agency-z")


@pytest.fixture
def team_a(agency: Any) -> Any:
    from kinlink.accounts.models import Team

    return Team.objects.create(agency=agency, name="Team A")


@pytest.fixture
def team_b(agency: Any) -> Any:
    from kinlink.accounts.models import Team

    return Team.objects.create(agency=agency, name="Team B")


def make_user(username: str, role: str, agency: Any, teams: list[Any]) -> Any:
    from kinlink.accounts.services import user_create

    return user_create(
        actor=None,
        username=username,
        full_name=username.replace("_", " ").title(),
        email=f"{username}@example.org",
        role=role,
        agency=agency,
        password=PASSWORD,
        teams=teams,
    )


@pytest.fixture
def caseworker_a(agency: Any, team_a: Any) -> Any:
    return make_user("caseworker_a", "caseworker", agency, [team_a])


@pytest.fixture
def supervisor_a(agency: Any, team_a: Any) -> Any:
    return make_user("supervisor_a", "supervisor", agency, [team_a])


@pytest.fixture
def caseworker_b(agency: Any, team_b: Any) -> Any:
    return make_user("caseworker_b", "caseworker", agency, [team_b])


@pytest.fixture
def guardian(agency: Any) -> Any:
    return make_user("guardian", "guardian", agency, [])


@pytest.fixture
def analyst(agency: Any) -> Any:
    return make_user("analyst", "analyst", agency, [])


@pytest.fixture
def node_admin(agency: Any) -> Any:
    return make_user("node_admin", "node_admin", agency, [])


@pytest.fixture
def outsider(other_agency: Any) -> Any:
    from kinlink.accounts.models import Team

    team = Team.objects.create(agency=other_agency, name="Team Z")
    return make_user("outsider", "caseworker", other_agency, [team])


def identity(**overrides: Any) -> dict[str, Any]:
    """A valid child's identity; tests override what they exercise."""
    values: dict[str, Any] = {
        "given_name": "Mohamed",
        "family_name": "El Amine",
        "given_name_original": "محمد",
        "family_name_original": "الأمين",
        "original_script": "Arab",
        "aliases": [],
        "sex": "male",
        "date_of_birth": None,
        "dob_estimated": False,
        "dob_basis": "",
        "age_estimate": 15,
        "age_disputed": False,
        "nationality_status": "known",
        "nationalities": ["SD"],
        "languages": ["ara"],
        "country_of_origin": "SD",
        "place_of_origin": "Nyala",
        "current_location": "Tangier",
        "case_type": "uasc_host",
        "separation_status": "unaccompanied",
        "referral_source": "border_police",
        "referral_date": date(2026, 11, 1),
        "risk_level": "high",
    }
    values.update(overrides)
    return values


CONSENT = {"given_by": "child", "scopes": ["services"], "language": "ara"}


@pytest.fixture
def register_case(caseworker_a: Any, team_a: Any) -> Any:
    """register_case(**identity overrides) -> a case led by caseworker_a in team A."""
    from kinlink.cases.services import case_register

    def make(actor: Any = None, team: Any = None, **overrides: Any) -> Any:
        actor = actor or caseworker_a
        return case_register(
            actor=actor,
            team=team or actor.teams.first(),
            lead_caseworker=actor,
            identity=identity(**overrides),
            consent=CONSENT,
        )

    return make


@pytest.fixture
def case_a(register_case: Any) -> Any:
    return register_case()


@pytest.fixture
def case_b(register_case: Any, caseworker_b: Any) -> Any:
    return register_case(
        actor=caseworker_b,
        given_name="Yonas",
        family_name="Tesfaye",
        given_name_original="ዮናስ",
        family_name_original="ተስፋዬ",
        original_script="Ethi",
        nationalities=["ER"],
        country_of_origin="ER",
    )


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A page served to a French-speaking user leaves French active in the thread: every test
    ends back in the default language, so the next one reads messages in English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Every persona has a password; the production hasher would cost ~0.3 s per persona."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
