"""The rules a directory record must meet, the same for an administrator's form, a service
call and a row of an imported directory file. Each check returns {field: message} in the
reader's language; empty means valid."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from kinlink.directory.models import (
    AgencyKind,
    Instrument,
    LegalTopic,
    Service,
    StatusKind,
)
from kinlink.directory.reference import is_country, is_language

# RFC 7638 JWK thumbprint (SHA-256), base64url without padding.
FINGERPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")
_url = URLValidator(schemes=["http", "https"])


def _is_url(value: str) -> bool:
    try:
        _url(value)
    except ValidationError:
        return False
    return True


def check_source(values: dict[str, Any], *, required: bool = True) -> dict[str, str]:
    """A fact's source: a title and an address, and the day it was checked (not in the future)."""
    errors: dict[str, str] = {}
    title = (values.get("source_title") or "").strip()
    url = (values.get("source_url") or "").strip()
    checked = values.get("checked_on")
    if required or title or url:
        if not title:
            errors["source_title"] = _("Name the source: a fact without a source is not kept.")
        if not url:
            errors["source_url"] = _("Give the source's address.")
        elif not _is_url(url):
            errors["source_url"] = _("The source's address must be a web address (https://…).")
        if checked is None:
            errors["checked_on"] = _("Say when the source was checked.")
    if isinstance(checked, date) and checked > timezone.localdate():
        errors["checked_on"] = _("The date checked cannot be in the future.")
    return errors


def check_status(values: dict[str, Any]) -> dict[str, str]:
    """A treaty status: a source; a kind that fits the instrument; dates in order; a signature
    alone never has a date of entry into force."""
    errors = check_source(values)
    instrument, kind = values.get("instrument"), values.get("kind")
    if instrument not in Instrument.values:
        errors["instrument"] = _("Choose one of the instruments.")
    if kind not in StatusKind.values:
        errors["kind"] = _("Choose the kind of status.")
    elif instrument == Instrument.EU and kind != StatusKind.MEMBERSHIP:
        errors["kind"] = _("EU membership is recorded as a membership.")
    elif instrument != Instrument.EU and kind == StatusKind.MEMBERSHIP:
        errors["kind"] = _("Only the EU has members; a convention has parties.")
    signed, consented = values.get("signed_on"), values.get("consented_on")
    in_force, ended = values.get("in_force_on"), values.get("ended_on")
    if kind == StatusKind.SIGNATURE and (in_force or consented):
        errors["in_force_on"] = _("A signature alone has no ratification and no entry into force.")
    if signed and consented and consented < signed:
        errors["consented_on"] = _("Ratification or accession cannot come before signature.")
    # A successor state is bound from its independence, before it notified the succession.
    if consented and in_force and in_force < consented and kind != StatusKind.SUCCESSION:
        errors["in_force_on"] = _("Entry into force cannot come before ratification or accession.")
    if ended and in_force and ended <= in_force:
        errors["ended_on"] = _("The end must come after the entry into force.")
    return errors


def check_country_facts(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    age = values.get("age_of_majority")
    if age is not None and not 14 <= age <= 25:
        errors["age_of_majority"] = _("An age of majority lies between 14 and 25.")
    if age is not None and not (values.get("age_of_majority_source") or "").strip():
        errors["age_of_majority_source"] = _("Name the source of the age of majority.")
    if (values.get("central_authority_name") or "").strip() and not (
        values.get("central_authority_source") or ""
    ).strip():
        errors["central_authority_source"] = _("Name the source of the central authority.")
    return errors


def check_agency(values: dict[str, Any]) -> dict[str, str]:
    """An agency: a name, a code, a known country, known services and languages; a node
    address goes with its key fingerprint."""
    errors = check_source(values, required=False)
    if not (values.get("name") or "").strip():
        errors["name"] = _("Give the agency's name.")
    code = values.get("code") or ""
    if not re.fullmatch(r"[-a-z0-9_]{1,20}", code):
        errors["code"] = _("A code is 1 to 20 small letters, digits, hyphens or underscores.")
    if not is_country(values.get("country") or ""):
        errors["country"] = _("Unknown country code.")
    if values.get("kind") not in AgencyKind.values:
        errors["kind"] = _("Choose the kind of agency.")
    if any(s not in Service.values for s in values.get("services") or []):
        errors["services"] = _("Unknown service.")
    if any(not is_language(code) for code in values.get("languages") or []):
        errors["languages"] = _("Unknown language code (ISO 639-3).")
    if any(i not in Instrument.values for i in values.get("central_authority_for") or []):
        errors["central_authority_for"] = _("Choose among the instruments.")
    address = (values.get("node_address") or "").strip()
    fingerprint = (values.get("node_key_fingerprint") or "").strip()
    if address and not address.startswith("https://"):
        errors["node_address"] = _("A node is reached over HTTPS: its address starts https://.")
    elif address and not _is_url(address):
        errors["node_address"] = _("Enter a valid web address.")
    if fingerprint and not FINGERPRINT.fullmatch(fingerprint):
        errors["node_key_fingerprint"] = _(
            "A key fingerprint is the key's SHA-256 thumbprint in base64url: 43 characters."
        )
    if bool(address) != bool(fingerprint):
        errors["node_key_fingerprint" if address else "node_address"] = _(
            "A Kinlink node needs both its address and its key fingerprint."
        )
    if values.get("email"):
        from django.core.validators import validate_email

        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    if values.get("website") and not _is_url(values["website"]):
        errors["website"] = _("Enter a valid web address.")
    return errors


def check_note(values: dict[str, Any]) -> dict[str, str]:
    errors = check_source(values)
    if values.get("topic") not in LegalTopic.values:
        errors["topic"] = _("Choose a topic.")
    if not (values.get("title") or "").strip():
        errors["title"] = _("Give the note a title.")
    if not (values.get("body") or "").strip():
        errors["body"] = _("Write the note.")
    return errors


def raise_if_invalid(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)
