"""Text the system writes is stored untranslated and translated when it is read.

A task's title written by a French caseworker must read in Spanish to her Spanish colleague: the
English message id is stored with its parameters, and each reader's language is applied when the
title is shown. A translatable parameter (a choice's label) is stored as `{"msgid": "…"}` and
translated too; any other parameter (a number, text a person typed) is stored as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


def message_id(text: str | Promise) -> str:
    """The English message id of a lazy translation; a plain string as it is."""
    if isinstance(text, Promise):
        with translation.override(None):
            return str(text)
    return text


def stored_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters as they are stored: lazy translations by their message id."""
    return {
        name: {"msgid": message_id(value)} if isinstance(value, Promise) else value
        for name, value in (params or {}).items()
    }


def translated(text: str, params: Mapping[str, Any] | None) -> str:
    """A stored message id and its stored parameters, in the active language.

    A translation whose placeholders do not fit the parameters (a catalogue error) falls back to
    the English text rather than failing the page.
    """
    values = {
        name: gettext(value["msgid"]) if isinstance(value, dict) and "msgid" in value else value
        for name, value in (params or {}).items()
    }
    message = gettext(text)
    if not values:
        return message
    for candidate in (message, text):
        try:
            return candidate % values
        except (KeyError, ValueError, TypeError):
            continue
    return text
