"""The `kinlink` command: `kinlink audit verify` runs `manage.py audit_verify`, and so on.

Every sub-command is a Django management command; two words are joined with an underscore
so that operators type `kinlink audit verify` as the documentation shows (a hyphen in the second
word is an underscore too: `kinlink keys rotate-data` runs `keys_rotate_data`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import execute_from_command_line, get_commands

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["match"] and not (
        os.environ.get("KINLINK_SECRET_KEY") or os.environ.get("KINLINK_SECRET_KEY_FILE")
    ):
        # `kinlink match` reads and writes files only (no database, session or signature):
        # a key made for this one process lets it run where no node is configured.
        import secrets

        os.environ["KINLINK_SECRET_KEY"] = secrets.token_urlsafe(50)
    django.setup()
    if len(args) >= 2 and (joined := f"{args[0]}_{args[1]}".replace("-", "_")) in get_commands():
        args = [joined, *args[2:]]
    execute_from_command_line(["kinlink", *args])


if __name__ == "__main__":
    main()
