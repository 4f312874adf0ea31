"""Who may read and who may change the country directory.

The directory holds reference data about states and organisations, never about a child, so
every active member of staff signed in to the node reads it, analysts included (a caseworker
needs it before acting across a border; an analyst reads country pairs in statistics). Only
the node administrator changes it, by hand or by importing a directory file; caseworkers and
supervisors read only. What one may not change answers 404, like every page out of scope.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from kinlink.accounts.models import Role
from kinlink.directory.models import Agency, Country, LegalNote, TreatyStatus


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_read_directory(user: Any) -> bool:
    return _active(user)


def can_edit_directory(user: Any) -> bool:
    return _active(user) and user.role == Role.NODE_ADMIN


def require_read(user: Any) -> None:
    if not can_read_directory(user):
        raise Http404


def require_edit(user: Any) -> None:
    if not can_edit_directory(user):
        raise Http404


def get_country_for(user: Any, code: str) -> Country:
    require_read(user)
    try:
        return Country.objects.get(code=code.upper())
    except Country.DoesNotExist as exc:
        raise Http404 from exc


def get_agency_for(user: Any, agency_id: Any) -> Agency:
    require_read(user)
    try:
        return Agency.objects.get(pk=agency_id)
    except (Agency.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_status_for(user: Any, status_id: Any) -> TreatyStatus:
    require_read(user)
    try:
        return TreatyStatus.objects.select_related("country").get(pk=status_id)
    except (TreatyStatus.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_note_for(user: Any, note_id: Any) -> LegalNote:
    require_read(user)
    try:
        return LegalNote.objects.select_related("country").get(pk=note_id)
    except (LegalNote.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
