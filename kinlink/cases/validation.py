"""Rules every write of a child's identity obeys, whether it comes from a form, the API or an
import. Forms show the messages beside the fields; services refuse the same input."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.directory.reference import is_country, is_language

MAX_CHILD_AGE = 25  # beyond this no record can be a child's, even with age disputed
MAX_ALIASES = 10  # the form keeps the first ten lines
MAX_ALIAS_LENGTH = 100  # as long as a given or family name
# Space, hyphen-minus, apostrophe, right single quote, full stop, hyphen, modifier apostrophe.
CONSENT_MISSING = gettext_lazy(
    "Record who gave consent, or the legal basis and the reason for acting without it."
)
CONSENT_SCOPE_MISSING = gettext_lazy("Say what the consent covers.")
NAME_PUNCTUATION = frozenset(" -'\u2019.\u2010\u02bc")


def check_name(value: str) -> None:
    """Letters of any script, combining marks, spaces, hyphens, apostrophes, full stops."""
    for char in value:
        if char in NAME_PUNCTUATION:
            continue
        if unicodedata.category(char)[0] not in {"L", "M"}:
            raise ValidationError(
                _("A name may contain letters, spaces, hyphens and apostrophes only."),
                code="name_characters",
            )


def check_identity(fields: dict[str, Any]) -> dict[str, list[str]]:
    """Return {field: [messages]} for everything wrong in a child's identity fields."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in ("given_name", "family_name", "given_name_original", "family_name_original"):
        try:
            check_name(fields.get(field) or "")
        except ValidationError as exc:
            add(field, exc.messages[0])
    for alias in fields.get("aliases") or []:
        try:
            check_name(alias)
        except ValidationError as exc:
            add("aliases", exc.messages[0])
            break
        if len(alias) > MAX_ALIAS_LENGTH:
            add(
                "aliases",
                _("Each other name may have at most %(n)s characters.") % {"n": MAX_ALIAS_LENGTH},
            )
            break
    if len(fields.get("aliases") or []) > MAX_ALIASES:
        add("aliases", _("Give at most %(n)s other names.") % {"n": MAX_ALIASES})
    if (fields.get("given_name_original") or fields.get("family_name_original")) and not fields.get(
        "original_script"
    ):
        add("original_script", _("Say which script the original name is written in."))

    today = timezone.localdate()
    dob: date | None = fields.get("date_of_birth")
    if dob is not None:
        if dob > today:
            add("date_of_birth", _("The date of birth cannot be in the future."))
        elif (today.year - dob.year) - (
            (today.month, today.day) < (dob.month, dob.day)
        ) > MAX_CHILD_AGE:
            add("date_of_birth", _("This date of birth makes the person older than 25."))
        if fields.get("dob_estimated") and not fields.get("dob_basis"):
            add("dob_basis", _("Say what the estimated date of birth is based on."))
    age = fields.get("age_estimate")
    if age is not None and age > MAX_CHILD_AGE:
        add("age_estimate", _("An estimated age cannot be over 25."))
    if dob is None and age is None:
        add("age_estimate", _("Give a date of birth or an estimated age."))

    for code in fields.get("nationalities") or []:
        if not is_country(code):
            add("nationalities", _("Unknown country code: %(code)s") % {"code": code})
    if fields.get("nationality_status") == "known" and not fields.get("nationalities"):
        add("nationalities", _("Choose at least one nationality, or mark it stateless or unknown."))
    country = fields.get("country_of_origin")
    if country and not is_country(country):
        add("country_of_origin", _("Unknown country code: %(code)s") % {"code": country})
    for code in fields.get("languages") or []:
        if not is_language(code):
            add("languages", _("Unknown language code: %(code)s") % {"code": code})
    referral: date | None = fields.get("referral_date")
    if referral is not None and referral > today:
        add("referral_date", _("The referral date cannot be in the future."))
    return errors


def raise_if_invalid(fields: dict[str, Any]) -> None:
    if errors := check_identity(fields):
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in errors.items()})
