"""Page weight: the bytes a first visit with an empty cache transfers, per page.

For the sign-in page, the case list and one case page, it measures the HTML and every
stylesheet (<link rel="stylesheet" href>) and script (<script src>) the page links, raw and
gzip-compressed at level 6 (what GZipMiddleware and whitenoise serve), and with brotli when
the `brotli` module is importable. It compares the gzip totals with the goals below and
prints PASS or FAIL per page, and it always exits 0: a benchmark reports figures, it does
not gate.

It runs on a throwaway SQLite database filled by `load_demo`, so it touches nothing else.
Run it with `make bench` or `.venv/bin/python bench/page_weight.py`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KB = 1024  # 1 KB = 1024 bytes throughout
GOAL_TOTAL = 170 * KB  # compressed (gzip) bytes per page, HTML + CSS + JS
GOAL_JS = 100 * KB  # compressed (gzip) bytes of JavaScript per page
DEMO_USER = "amina"
DEMO_PASSWORD = "kinlink-demo-password"  # noqa: S105 (the demo data's published password)
CASE_PATH = re.compile(r"^/cases/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$")

try:
    import brotli
except ImportError:  # brotli is optional: the table then shows gzip only
    brotli = None


def gzip_size(data: bytes) -> int:
    # The same call as django.utils.text.compress_string (GZipMiddleware) and whitenoise;
    # GZipMiddleware also adds 0-100 random bytes to HTML against BREACH, left out here.
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def brotli_size(data: bytes) -> int | None:
    # Quality 11 (the module's default) is what whitenoise's compressor uses for .br files.
    return None if brotli is None else len(brotli.compress(data))


@dataclass
class Resource:
    kind: str  # "html", "css" or "js"
    name: str
    raw: int
    gzip: int
    brotli: int | None
    served: str  # what the server actually sent, as seen by the test client


class PageLinks(HTMLParser):
    """Collects the stylesheets, scripts, anchors and viewport meta of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.anchors: list[str] = []
        self.viewport: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in attributes.get("rel", "").lower().split():
            if attributes.get("href"):
                self.stylesheets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        elif tag == "a" and attributes.get("href"):
            self.anchors.append(attributes["href"])
        elif tag == "meta" and attributes.get("name", "").lower() == "viewport":
            self.viewport = attributes.get("content", "")


def setup_django() -> Path:
    """Points Django at a fresh SQLite file in demo mode, migrates it and loads the demo."""
    project = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(project))
    workdir = Path(tempfile.mkdtemp(prefix="kinlink-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["KINLINK_DEBUG"] = "1"
    os.environ["KINLINK_DEMO"] = "1"
    os.environ["KINLINK_SQLITE_PATH"] = str(workdir / "bench.sqlite3")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    return workdir


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        response.close()
        return data
    return bytes(response.content)


def fetch(client: Any, path: str) -> tuple[bytes, str]:
    """The uncompressed body, and how the response went over the wire (status, encoding,
    bytes on the wire)."""
    response = client.get(path)
    data = body(response)
    encoding = response.get("Content-Encoding", "identity")
    sent = f"{response.status_code} {encoding} {len(data)} B"
    if response.status_code != 200:
        print(f"warning: {path} answered {response.status_code}", file=sys.stderr)
    if encoding == "gzip":
        data = gzip.decompress(data)
    return data, sent


def measure_asset(client: Any, kind: str, url: str) -> Resource:
    from django.conf import settings
    from django.contrib.staticfiles import finders

    path = urlsplit(url).path
    fetched, sent = fetch(client, path)
    data: bytes | None = None
    if path.startswith(settings.STATIC_URL):
        found = finders.find(path.removeprefix(settings.STATIC_URL))
        if isinstance(found, list):
            found = found[0] if found else None
        if found:
            data = Path(found).read_bytes()
    if data is None:  # not a static file Django knows: measure what the server returned
        data = fetched
        sent += " (not found by the static finders)"
    return Resource(kind, path, len(data), gzip_size(data), brotli_size(data), sent)


def measure_page(client: Any, url: str) -> tuple[list[Resource], PageLinks]:
    html, sent = fetch(client, url)
    links = PageLinks()
    links.feed(html.decode("utf-8", errors="replace"))
    resources = [Resource("html", url, len(html), gzip_size(html), brotli_size(html), sent)]
    seen: set[str] = set()
    for kind, urls in (("css", links.stylesheets), ("js", links.scripts)):
        for asset in urls:
            if asset not in seen:  # a browser fetches each URL once
                seen.add(asset)
                resources.append(measure_asset(client, kind, asset))
    return resources, links


def kb(size: int | None) -> str:
    return "-" if size is None else f"{size / KB:.1f}"


def report(title: str, url: str, resources: list[Resource], links: PageLinks) -> None:
    with_brotli = brotli is not None
    header = f"{'kind':<5} {'resource':<44} {'raw KB':>8} {'gzip KB':>8}"
    header += f" {'br KB':>7}" if with_brotli else ""
    header += "  served (status, encoding, bytes on the wire)"
    print(f"\n== {title}: {url}")
    print(header)
    print("-" * len(header))
    for res in resources:
        line = f"{res.kind:<5} {res.name[-44:]:<44} {kb(res.raw):>8} {kb(res.gzip):>8}"
        line += f" {kb(res.brotli):>7}" if with_brotli else ""
        print(f"{line}  {res.served}")
    print("-" * len(header))
    for label, kinds in (
        ("html", {"html"}),
        ("css", {"css"}),
        ("js", {"js"}),
        ("total", {"html", "css", "js"}),
    ):
        part = [res for res in resources if res.kind in kinds]
        raw = sum(res.raw for res in part)
        gz = sum(res.gzip for res in part)
        line = f"{label:<5} {f'{len(part)} file(s)':<44} {kb(raw):>8} {kb(gz):>8}"
        if with_brotli:
            line += f" {kb(sum(res.brotli or 0 for res in part)):>7}"
        print(line)

    total = sum(res.gzip for res in resources)
    js = sum(res.gzip for res in resources if res.kind == "js")
    verdict = "PASS" if total <= GOAL_TOTAL and js <= GOAL_JS else "FAIL"
    viewport = f'present ("{links.viewport}")' if links.viewport is not None else "MISSING"
    print(f"viewport meta: {viewport}")
    print(
        f"{verdict}: {kb(total)} KB of {GOAL_TOTAL // KB} KB in total, "
        f"{kb(js)} KB of {GOAL_JS // KB} KB JavaScript (gzip)"
    )


def main() -> int:
    workdir = setup_django()
    try:
        from django.test import Client

        # Every request says it accepts gzip, as a browser does; the Host must be allowed.
        client = Client(HTTP_ACCEPT_ENCODING="gzip", SERVER_NAME="localhost")
        pages: list[tuple[str, str, list[Resource], PageLinks]] = []

        login_url = "/accounts/login/"
        pages.append(("Sign-in page", login_url, *measure_page(client, login_url)))

        response = client.post(
            login_url, {"username": DEMO_USER, "password": DEMO_PASSWORD}, follow=True
        )
        if not response.wsgi_request.user.is_authenticated:
            print(f"error: could not sign in as {DEMO_USER}", file=sys.stderr)
            return 0

        list_url = "/cases/"
        resources, links = measure_page(client, list_url)
        pages.append(("Case list", list_url, resources, links))

        case_url = next((href for href in links.anchors if CASE_PATH.match(href)), None)
        if case_url is None:
            print("warning: the case list links no case; case page skipped", file=sys.stderr)
        else:
            pages.append(("Case page", case_url, *measure_page(client, case_url)))

        print(
            f"Page weight, first load with an empty cache (1 KB = {KB} bytes). Goals per "
            f"page: <= {GOAL_TOTAL // KB} KB compressed in total, <= {GOAL_JS // KB} KB of "
            "it JavaScript; compressed = gzip level 6, as served."
        )
        if brotli is None:
            print("(brotli is not importable: brotli sizes left out)")
        else:
            print("(br = brotli quality 11, for comparison only; the goals use gzip)")
        print(
            "(served = what this debug node actually sent, bodies only, no headers. Static files"
            "\n whitenoise serves from the finders go out uncompressed here; a production node"
            "\n serves the .gz/.br copies collectstatic writes, which the gzip/br columns model.)"
        )
        for title, url, resources, links in pages:
            report(title, url, resources, links)

        print("\nSummary")
        for title, url, resources, _links in pages:
            total = sum(res.gzip for res in resources)
            js = sum(res.gzip for res in resources if res.kind == "js")
            verdict = "PASS" if total <= GOAL_TOTAL and js <= GOAL_JS else "FAIL"
            print(f"  {verdict}  {title:<13} total {kb(total):>6} KB  js {kb(js):>6} KB  {url}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
