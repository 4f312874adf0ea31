"""English, French, Spanish and Arabic ship complete: every string in the code and templates
has a translation in each catalogue, with the same placeholders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LANGUAGES = ("fr", "es", "ar")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: Any) -> Path:
    """The committed catalogues merged with every string extracted from the source now."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: `make test` installs Debian's gettext package")
    # makemessages writes into every catalogue it can find: work on a copy of the source.
    tree = tmp_path_factory.mktemp("source")
    for folder in ("config", "kinlink", "templates", "locale"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("*.mo"))
    target = tree / "locale"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tree)
        patch.setattr(settings, "LOCALE_PATHS", [target])
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )
    return target


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(fresh_catalogues: Path, language: str) -> None:
    path = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    catalogue = read_po(path.open("rb"))
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert not missing, f"untranslated in {language} (run `make makemessages`): {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalogue = read_po((ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb"))
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            wanted = set(PLACEHOLDER.findall(message.id[1]))
            # Singular, dual and zero forms may spell the number out instead of using it.
            if any(not set(PLACEHOLDER.findall(s)) <= wanted for s in message.string):
                wrong.append(message.id)
        elif set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            wrong.append(message.id)
    assert not wrong, f"placeholders differ in {language}: {wrong[:10]}"
