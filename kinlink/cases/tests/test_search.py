"""Finding a child whatever the spelling or the script, and noticing a child already known."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from kinlink.accounts.models import User
from kinlink.cases import names
from kinlink.cases.models import Case
from kinlink.cases.tests.form_posts import registration_post


def skeletons(name: str) -> set[str]:
    return {key for key in names.keys([name]) if key.startswith("~")}


# The name keys, without Django.


@pytest.mark.parametrize(
    "spellings",
    [
        ["Mohamed", "Muhammad", "Mohammed", "Mohammad", "محمد"],
        ["Abdulrahman", "Abderrahmane", "Abdel Rahman", "Abd al-Rahman", "عبد الرحمن"],
        ["Youssef", "Yusuf", "Yousef", "Youssouf", "يوسف"],
        ["El Amine", "Alamin", "Al-Amin", "الأمين"],
    ],
    ids=["mohamed", "abdulrahman", "youssef", "el-amine"],
)
def test_spellings_and_scripts_of_one_name_share_a_skeleton(spellings: list[str]) -> None:
    first = skeletons(spellings[0])
    assert first
    for spelling in spellings[1:]:
        assert skeletons(spelling) == first, spelling


def test_different_names_keep_different_skeletons() -> None:
    assert skeletons("Mohamed") != skeletons("Ahmed")
    assert skeletons("Youssef") != skeletons("Yonas")
    assert skeletons("Abdulrahman") != skeletons("Abdallah")


def test_particles_are_dropped_and_abd_compounds_joined() -> None:
    assert names.tokens("Abd al Rahman bin Laden") == ["abdrahman", "laden"]
    assert names.tokens("El Amine") == ["amine"]


def test_the_index_is_bounded_by_spaces_so_keys_match_whole() -> None:
    index = names.index_text(["Mohamed", "محمد"])
    assert index.startswith(" ") and index.endswith(" ")
    assert " ~mhmd " in index


def test_name_similarity_ignores_order_spelling_and_script() -> None:
    assert names.name_similarity(["Muhammad Alamin"], ["El Amine", "Mohamed"]) == 1.0
    assert names.name_similarity(["Yonas Tesfaye"], ["Mohamed El Amine"]) < 0.6
    assert names.name_similarity([], ["Mohamed"]) == 0.0


# Searching the case list (by POST, so that a name never enters a URL).


@pytest.fixture
def other_child(register_case: Any) -> Case:
    return register_case(
        given_name="Yonas",
        family_name="Tesfaye",
        given_name_original="ዮናስ",
        family_name_original="ተስፋዬ",
        original_script="Ethi",
        nationalities=["ER"],
        country_of_origin="ER",
    )


def search(client: Any, query: str) -> str:
    response = client.post(reverse("cases:list"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "query", ["Muhammad Alamin", "محمد", "mohammed", "El Amine", "Moh", "MA-2026-00001"]
)
def test_a_child_is_found_by_another_spelling_another_script_or_the_reference(
    client: Any, caseworker_a: User, case_a: Case, other_child: Case, query: str
) -> None:
    client.force_login(caseworker_a)
    html = search(client, query.replace("MA-2026-00001", case_a.reference))
    assert case_a.reference in html
    assert other_child.reference not in html


def test_the_reference_is_found_without_its_prefix(
    client: Any, caseworker_a: User, case_a: Case, other_child: Case
) -> None:
    client.force_login(caseworker_a)
    html = search(client, case_a.reference.split("-", 1)[1])
    assert case_a.reference in html
    assert other_child.reference not in html


def test_a_different_child_is_not_found(
    client: Any, caseworker_a: User, case_a: Case, other_child: Case
) -> None:
    client.force_login(caseworker_a)
    html = search(client, "Yonas")
    assert other_child.reference in html
    assert case_a.reference not in html
    html = search(client, "Ibrahim")
    assert case_a.reference not in html and other_child.reference not in html


def test_a_search_never_reaches_beyond_the_caseworkers_scope(
    client: Any, caseworker_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    html = search(client, "Mohamed")
    assert case_a.reference not in html
    assert "No case matches." in html


def test_the_search_form_posts_so_no_name_reaches_the_url(client: Any, caseworker_a: User) -> None:
    client.force_login(caseworker_a)
    html = client.get(reverse("cases:list")).content.decode()
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    [search_form] = [f for f in forms if 'name="q"' in f]
    opening = search_form[: search_form.index(">") + 1]
    assert re.search(r'\bmethod="post"', opening, flags=re.I)
    assert "hx-get" not in opening


def test_an_htmx_search_returns_only_the_rows(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    response = client.post(reverse("cases:list"), {"q": "Muhammad"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="case-rows"')
    assert case_a.reference in html
    assert "<html" not in html


# The duplicate check when registering.


def duplicate_post(user: User) -> dict[str, Any]:
    return registration_post(
        user,
        given_name="Muhammad",
        family_name="Alamin",
        given_name_original="",
        family_name_original="",
        original_script="",
        age_estimate=15,
        nationalities=["SD"],
        place_of_origin="",
    )


def test_registering_a_child_like_a_known_one_shows_the_known_case_first(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    response = client.post(reverse("cases:register"), duplicate_post(caseworker_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Is this child already known?" in html
    assert case_a.reference in html
    assert reverse("cases:detail", args=[case_a.pk]) in html
    assert Case.objects.count() == 1

    reviewed = re.search(r'name="duplicates_reviewed"[^>]*value="([^"]+)"', html)
    assert reviewed is not None
    data = {**duplicate_post(caseworker_a), "duplicates_reviewed": reviewed.group(1)}
    response = client.post(reverse("cases:register"), data)
    assert response.status_code == 302
    assert Case.objects.count() == 2
    new = Case.objects.exclude(pk=case_a.pk).get()
    assert (new.given_name, new.family_name) == ("Muhammad", "Alamin")


def test_a_child_unlike_any_known_one_is_registered_at_once(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    client.force_login(caseworker_a)
    data = registration_post(
        caseworker_a,
        given_name="Ibrahim",
        family_name="Diallo",
        given_name_original="",
        family_name_original="",
        original_script="",
        nationalities=["GN"],
    )
    assert client.post(reverse("cases:register"), data).status_code == 302
    assert Case.objects.count() == 2


def test_a_duplicate_outside_the_caseload_is_shown_by_reference_only(
    client: Any, caseworker_b: User, case_a: Case
) -> None:
    client.force_login(caseworker_b)
    response = client.post(reverse("cases:register"), duplicate_post(caseworker_b))
    assert response.status_code == 200
    html = response.content.decode()
    assert case_a.reference in html
    assert "outside your caseload" in html
    for detail in ("El Amine", "الأمين", "محمد", "Nyala", str(case_a.pk)):
        assert detail not in html
    assert Case.objects.count() == 1


def test_a_name_put_in_the_list_url_is_dropped_not_searched(
    client: Any, caseworker_a: User, case_a: Case
) -> None:
    from kinlink.audit.models import AuditAction, AuditEvent

    client.force_login(caseworker_a)
    response = client.get(reverse("cases:list") + "?q=Mohamed&stage=identified")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:list") + "?stage=identified"
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()
    response = client.get(reverse("cases:list") + "?q=Mohamed")
    assert response["Location"] == reverse("cases:list")
