"""ISO reference data (countries ISO 3166-1 and Kosovo, languages ISO 639-3, scripts ISO 15924).

The code lists and their names in French, Spanish and Arabic come from pycountry, which ships
the Debian iso-codes translations; nothing here is typed by hand but the choice of languages
offered first.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Languages of the children Kinlink's networks meet most, offered on top of every ISO 639-1
# language: Dyula, Mossi, Dari, Moroccan and Sudanese Arabic, Tigre, Mandinka, Susu, Soninke,
# Central Atlas Tamazight, Tachelhit, Pulaar, Hassaniya, Garifuna.
EXTRA_LANGUAGES = (
    "dyu",
    "mos",
    "prs",
    "ary",
    "apd",
    "tig",
    "mnk",
    "sus",
    "snk",
    "tzm",
    "shi",
    "fuc",
    "mey",
    "cab",
)


@cache
def _translator(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _local(domain: str, name: str) -> str:
    language = (get_language() or "en").split("-")[0]
    if language == "en":
        return name
    return _translator(domain, language).gettext(name)


# Kosovo has no ISO 3166-1 code of its own; XK is the user-assigned code that the European
# Union, the Council of Europe and most data exchanges use. pycountry does not list it, so its
# name is translated in Kinlink's own catalogues.
KOSOVO = "XK"


@cache
def _country_codes() -> dict[str, str]:
    codes = {c.alpha_2: c.name for c in pycountry.countries}
    codes[KOSOVO] = "Kosovo"
    return codes


@cache
def _language_codes() -> dict[str, str]:
    offered: dict[str, str] = {}
    for lang in pycountry.languages:
        if hasattr(lang, "alpha_2") or lang.alpha_3 in EXTRA_LANGUAGES:
            offered[lang.alpha_3] = lang.name
    return offered


def is_country(code: str) -> bool:
    return code in _country_codes()


def is_language(code: str) -> bool:
    return code in _language_codes()


def country_name(code: str) -> str:
    if code == KOSOVO:
        return _("Kosovo")
    name = _country_codes().get(code)
    return _local("iso3166-1", name) if name else code


def language_name(code: str) -> str:
    name = _language_codes().get(code)
    return _local("iso639-3", name) if name else code


def country_choices() -> list[tuple[str, str]]:
    """Countries in the user's language, sorted by their local name."""
    return sorted(
        ((code, country_name(code)) for code in _country_codes()), key=lambda item: item[1]
    )


def language_choices() -> list[tuple[str, str]]:
    return sorted(
        ((code, language_name(code)) for code in _language_codes()), key=lambda item: item[1]
    )
