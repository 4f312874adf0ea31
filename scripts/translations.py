"""Work on the French, Spanish and Arabic catalogues after `make makemessages`.

    python scripts/translations.py todo            # untranslated or fuzzy messages, as JSON
    python scripts/translations.py apply FILE.json # write translations from FILE into the .po

FILE maps each msgid to {"fr": …, "es": …, "ar": …}; a plural message's key is
"singular||plural" and its values are lists (French and Spanish 2 forms, Arabic 6). Applying
clears the fuzzy flag of each message it fills and rewrites the catalogue as Babel does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LANGUAGES = ("fr", "es", "ar")
ROOT = Path(__file__).resolve().parent.parent


def _path(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else "||".join(message_id)


def todo() -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        with _path(language).open("rb") as file:
            for message in read_po(file):
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.fuzzy or not all(strings):
                    missing.setdefault(_key(message.id), []).append(language)
    return missing


def apply(translations: dict[str, dict[str, str | list[str]]]) -> dict[str, int]:
    filled: dict[str, int] = {}
    for language in LANGUAGES:
        with _path(language).open("rb") as file:
            catalogue = read_po(file)
        count = 0
        for message in catalogue:
            value = translations.get(_key(message.id), {}).get(language) if message.id else None
            if value is None:
                continue
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
            count += 1
        with _path(language).open("wb") as file:
            write_po(file, catalogue, width=100)
        filled[language] = count
    return filled


if __name__ == "__main__":
    if sys.argv[1:2] == ["todo"]:
        print(json.dumps(todo(), ensure_ascii=False, indent=1))
    elif sys.argv[1:2] == ["apply"] and len(sys.argv) == 3:
        print(apply(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))))
    else:
        sys.exit(__doc__)
