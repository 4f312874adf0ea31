"""Passwords follow NIST SP 800-63B (length and a blocklist, no composition rules); five failed
sign-ins lock the account from that address."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from kinlink.accounts.models import User

COMMON = "manchesterunited"  # 16 characters, in Django's list of common passwords
PASSPHRASE = "otters sing low"  # 15 lower-case letters and spaces: no digit, no capital


def test_the_common_password_used_here_is_in_djangos_list() -> None:
    assert len(COMMON) >= 15
    assert COMMON in CommonPasswordValidator().passwords
    assert len(PASSPHRASE) == 15


def test_a_password_shorter_than_15_characters_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 15 characters"):
        validate_password("otters sing lo")


def test_a_common_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="too common"):
        validate_password(COMMON)


def test_a_long_lower_case_passphrase_needs_no_digit_capital_or_symbol() -> None:
    validate_password(PASSPHRASE)


def sign_in(client: Any, password: str, username: str = "caseworker_a") -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_signing_in_with_the_right_password_opens_a_session(
    client: Any, caseworker_a: User
) -> None:
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(caseworker_a.pk)


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(
    client: Any, caseworker_a: User
) -> None:
    response = sign_in(client, "not the password at all")
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_five_failed_sign_ins_lock_the_account_even_against_the_right_password(
    client: Any, caseworker_a: User
) -> None:
    for attempt in range(4):
        assert sign_in(client, f"wrong guess number {attempt}").status_code == 200
    assert sign_in(client, "wrong guess number 5").status_code == 429
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_failed_sign_ins_on_one_account_do_not_lock_another(
    client: Any, caseworker_a: User, supervisor_a: User
) -> None:
    for attempt in range(5):
        sign_in(client, f"wrong guess number {attempt}")
    response = sign_in(client, PASSWORD, username="supervisor_a")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(supervisor_a.pk)


def test_a_successful_sign_in_resets_the_count_of_failures(client: Any, caseworker_a: User) -> None:
    for attempt in range(4):
        sign_in(client, f"wrong guess number {attempt}")
    assert sign_in(client, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for attempt in range(4):
        assert sign_in(client, f"wrong guess number {attempt}").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302
