"""Every page carries a strict Content-Security-Policy (no inline script or style, nothing from
another origin) and the other security headers, and no template relies on inline script, inline
style or event-handler attributes that such a policy would block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
# Printed documents are WeasyPrint's input, turned into PDF on the server and never served as
# HTML, so their own style sheet is no inline style in a page.
TEMPLATES = sorted(
    path
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("kinlink/*/templates/**/*.html")]
    if "reports/documents" not in path.as_posix()
)

# A data block (`<script type="application/json">`, what `json_script` writes, e.g. the settings
# of django-otp-webauthn's script) is allowed: browsers never execute it, and it is read as data.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.IGNORECASE
)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def _directives(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def _assert_headers(response: Any) -> None:
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    assert len(TEMPLATES) > 50
    found = []
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("style element", STYLE_ELEMENT),
            ("event handler", EVENT_HANDLER),
            ("javascript: URL", JAVASCRIPT_URL),
        ):
            if pattern.search(text):
                found.append(f"{template.relative_to(ROOT)}: {name}")
    assert not found


def test_the_sign_in_page_carries_the_security_headers(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    _assert_headers(response)
    body = response.content.decode()
    assert not INLINE_SCRIPT.search(body)
    assert not STYLE_ATTRIBUTE.search(body)


def test_a_case_page_carries_the_security_headers_and_no_inline_script(
    client: Client, caseworker_a: Any, case_a: Any
) -> None:
    client.force_login(caseworker_a)
    for url in (reverse("cases:list"), reverse("cases:detail", args=[case_a.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_headers(response)
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not EVENT_HANDLER.search(body), url
