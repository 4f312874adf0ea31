"""Model fields stored encrypted (AES-256-GCM, `kinlink.core.crypto`) and read in clear.

They are for narrative and sensitive content, never for what is searched or matched: a lookup
on an encrypted field compares ciphertexts and finds nothing (names and `name_index` stay in
clear for search). `encrypted_at_rest = True` tells the audit trail to keep no value of them.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from kinlink.core import crypto


class _Encrypted:
    encrypted_at_rest = True

    def _aad(self) -> str:
        model = self.model  # type: ignore[attr-defined]
        return f"{model._meta.label_lower}.{self.name}"  # type: ignore[attr-defined]


class EncryptedTextField(_Encrypted, models.TextField):
    """Free text encrypted at rest. The empty string stays empty (it says nothing)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt_text(value, self._aad())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt_text(value, self._aad())


class EncryptedJSONField(_Encrypted, models.TextField):
    """A JSON value (dict or list) encrypted at rest as text."""

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return json.loads(crypto.decrypt_text(value, self._aad()))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(crypto.decrypt_text(value, self._aad()))
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return value
        return crypto.encrypt_text(
            json.dumps(value, sort_keys=True, ensure_ascii=False), self._aad()
        )

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj))


class EncryptedBinaryField(_Encrypted, models.BinaryField):
    """A document's bytes encrypted at rest."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return crypto.decrypt_bytes(bytes(value), self._aad())

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is not None:
            value = crypto.encrypt_bytes(bytes(value), self._aad())
        return super().get_db_prep_value(value, connection, prepared)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and their names (for rotation and the sentinel test)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [
            f.name for f in model._meta.concrete_fields if getattr(f, "encrypted_at_rest", False)
        ]
        if names:
            found.append((model, names))
    return found
