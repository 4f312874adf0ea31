"""`kinlink directory load / import / export`, and `kinlink node setup` loading the directory."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kinlink.directory.models import Country, TreatyStatus
from kinlink.directory.tests.test_interchange import good_file

pytestmark = pytest.mark.django_db


def test_load_puts_the_shipped_directory_in_and_if_empty_leaves_edits_alone() -> None:
    call_command("directory_load", stdout=StringIO())
    assert Country.objects.filter(code="XK").exists()
    TreatyStatus.objects.filter(country__code="MA", instrument="hc1996").update(note="edited")
    out = StringIO()
    call_command("directory_load", if_empty=True, stdout=out)
    assert "not loaded" in out.getvalue()
    assert TreatyStatus.objects.get(country__code="MA", instrument="hc1996").note == "edited"


def test_import_of_a_bad_file_prints_each_problem_with_its_line_and_imports_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(good_file(countries=[{"code": "QQ"}, {"code": "ZZ"}]), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("directory_import", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().count("Line ") == 2
    assert not Country.objects.exists()


def test_check_validates_without_importing(tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    path.write_text(good_file(), encoding="utf-8")
    out = StringIO()
    call_command("directory_import", str(path), check=True, stdout=out)
    assert "valid" in out.getvalue()
    assert not Country.objects.exists()


def test_export_writes_a_file_another_node_imports(tmp_path: Path) -> None:
    call_command("directory_import", str(_write(tmp_path, good_file())), stdout=StringIO())
    target = tmp_path / "export.json"
    call_command("directory_export", str(target), stdout=StringIO())
    out = StringIO()
    call_command("directory_import", str(target), check=True, stdout=out)
    assert "valid" in out.getvalue()


def _write(folder: Path, text: str) -> Path:
    path = folder / "file.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_node_setup_loads_the_directory(monkeypatch: Any) -> None:
    monkeypatch.setenv("KINLINK_ADMIN_PASSWORD", "a long enough pass phrase for setup")
    call_command(
        "node_setup",
        agency="Agence nationale",
        agency_code="anpe",
        country="MA",
        username="admin",
        full_name="Admin",
        email="admin@example.org",
        stdout=StringIO(),
    )
    assert TreatyStatus.objects.filter(country__code="MA", instrument="hc1996").exists()
