"""Encryption at rest: envelope encryption of narrative fields and stored documents.

- **Data keys** (256-bit, AES-GCM) encrypt field values and documents. They are stored in
  `KINLINK_DATA_KEYS_DIR/data-keys.json`, each *wrapped* (AES-GCM) by the key-encryption key.
- The **key-encryption key** (KEK) comes from `KINLINK_DATA_KEK` (base64 of 32 bytes, e.g. from
  the host's secret store) or from the file `KINLINK_DATA_KEK_FILE`. It is not the Django secret
  key and is never in the database or in a backup.
- Every ciphertext names the data key that made it (`kid`), so keys can rotate: `kinlink keys
  rotate-data` makes a new data key, re-encrypts every value with it and drops the old ones.
- The additional authenticated data is the field's place (`app.model.field`): a ciphertext moved
  to another column does not decrypt.

Text is stored as `enc:v1:<kid>:<base64url(nonce ‖ ciphertext ‖ tag)>`; bytes as
`KLE1 ‖ len(kid) ‖ kid ‖ nonce ‖ ciphertext ‖ tag`. A value without the prefix is plaintext
written before encryption was switched on; it is read as it is and encrypted at the next save or
rotation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

TEXT_PREFIX = "enc:v1:"
BYTES_PREFIX = b"KLE1"
KEYS_FILE = "data-keys.json"
NONCE_BYTES = 12


class DataKeysMissing(Exception):
    """The node has no data keys yet (`kinlink keys init`), or the KEK is not available."""


class DecryptionFailed(Exception):
    """A ciphertext did not authenticate: wrong key, altered bytes or moved to another field."""


@dataclass
class DataKey:
    kid: str
    key: bytes
    created_at: str
    retired_at: str | None = None


@dataclass
class DataKeyRing:
    keys: list[DataKey] = field(default_factory=list)

    def active(self) -> DataKey:
        for key in reversed(self.keys):
            if key.retired_at is None:
                return key
        raise DataKeysMissing("no active data key")

    def by_kid(self, kid: str) -> DataKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise DecryptionFailed(f"unknown data key {kid}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def keys_dir() -> Path:
    return Path(settings.KINLINK_DATA_KEYS_DIR)


def _kek() -> bytes:
    if value := os.environ.get("KINLINK_DATA_KEK"):
        raw = base64.b64decode(value)
    else:
        path = Path(settings.KINLINK_DATA_KEK_FILE)
        if not path.exists():
            raise DataKeysMissing(f"no key-encryption key at {path}")
        raw = base64.b64decode(path.read_text(encoding="ascii").strip())
    if len(raw) != 32:
        raise DataKeysMissing("the key-encryption key must be 32 bytes")
    return raw


def kek_id() -> str:
    """A short, non-secret name of the current KEK (to tell which one wrapped the keys)."""
    return hashlib.sha256(b"kinlink-kek-id" + _kek()).hexdigest()[:16]


def private_folder(folder: Path) -> None:
    """Make `folder` and every missing folder above it, each readable by the node's user only
    (`mkdir(parents=True, mode=…)` would leave the parents to the umask)."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)


def _write_private(path: Path, text: str) -> None:
    private_folder(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _wrap(kek: bytes, key: DataKey) -> dict[str, str | None]:
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, key.key, f"kinlink-data-key:{key.kid}".encode())
    return {
        "kid": key.kid,
        "wrapped": _b64(nonce + wrapped),
        "created_at": key.created_at,
        "retired_at": key.retired_at,
    }


def _unwrap(kek: bytes, item: dict[str, str | None]) -> DataKey:
    kid = str(item["kid"])
    blob = _unb64(str(item["wrapped"]))
    try:
        raw = AESGCM(kek).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"kinlink-data-key:{kid}".encode()
        )
    except Exception as exc:  # InvalidTag: another KEK wrapped this key
        raise DataKeysMissing("the key-encryption key does not open the data keys") from exc
    return DataKey(
        kid=kid, key=raw, created_at=str(item["created_at"]), retired_at=item.get("retired_at")
    )


_lock = threading.Lock()
_cache: dict[str, tuple[float, DataKeyRing]] = {}


def save(ring: DataKeyRing) -> None:
    kek = _kek()
    data = {"kek_id": kek_id(), "keys": [_wrap(kek, k) for k in ring.keys]}
    _write_private(keys_dir() / KEYS_FILE, json.dumps(data, indent=1))
    _cache.clear()


def _new_key() -> DataKey:
    stamp = _now()
    raw = AESGCM.generate_key(bit_length=256)
    kid = "dk-" + stamp.replace(":", "").replace("-", "")[:15] + "-" + secrets.token_hex(4)
    return DataKey(kid=kid, key=raw, created_at=stamp)


def init(*, create_kek: bool = True) -> DataKeyRing:
    """Make the KEK file (unless the KEK comes from the environment) and the first data key.
    Does nothing to keys that exist."""
    kek_path = Path(settings.KINLINK_DATA_KEK_FILE)
    if create_kek and not os.environ.get("KINLINK_DATA_KEK") and not kek_path.exists():
        _write_private(kek_path, base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    if (keys_dir() / KEYS_FILE).exists():
        return load()
    ring = DataKeyRing(keys=[_new_key()])
    save(ring)
    return ring


def load() -> DataKeyRing:
    """The data keys, unwrapped with the KEK (cached while the file does not change)."""
    path = keys_dir() / KEYS_FILE
    with _lock:
        if not path.exists():
            if not settings.KINLINK_DATA_KEYS_AUTOCREATE:
                raise DataKeysMissing(f"no data keys at {path}: run `kinlink keys init`")
            init()
        stamp = path.stat().st_mtime
        cached = _cache.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        kek = _kek()
        ring = DataKeyRing(keys=[_unwrap(kek, item) for item in data["keys"]])
        _cache[str(path)] = (stamp, ring)
        return ring


def rotate() -> DataKey:
    """Add a new data key and retire the others (they still decrypt until pruned)."""
    ring = load()
    stamp = _now()
    for key in ring.keys:
        if key.retired_at is None:
            key.retired_at = stamp
    fresh = _new_key()
    ring.keys.append(fresh)
    save(ring)
    return fresh


def prune_retired() -> int:
    """Forget retired data keys (after every value was re-encrypted); returns how many."""
    ring = load()
    kept = [k for k in ring.keys if k.retired_at is None]
    dropped = len(ring.keys) - len(kept)
    ring.keys = kept
    save(ring)
    return dropped


def rewrap(new_kek: bytes) -> None:
    """Wrap the data keys with a new KEK (KEK rotation); the caller then replaces the KEK."""
    ring = load()
    data = {
        "kek_id": hashlib.sha256(b"kinlink-kek-id" + new_kek).hexdigest()[:16],
        "keys": [_wrap(new_kek, k) for k in ring.keys],
    }
    _write_private(keys_dir() / KEYS_FILE, json.dumps(data, indent=1))
    _cache.clear()


# Values


def encrypt_text(plaintext: str, aad: str) -> str:
    key = load().active()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key.key).encrypt(nonce, plaintext.encode("utf-8"), aad.encode())
    return f"{TEXT_PREFIX}{key.kid}:{_b64(nonce + sealed)}"


def is_encrypted_text(value: str) -> bool:
    return value.startswith(TEXT_PREFIX)


def text_kid(value: str) -> str | None:
    if not is_encrypted_text(value):
        return None
    return value[len(TEXT_PREFIX) :].split(":", 1)[0]


def decrypt_text(value: str, aad: str) -> str:
    if not is_encrypted_text(value):
        return value
    kid, _, body = value[len(TEXT_PREFIX) :].partition(":")
    blob = _unb64(body)
    try:
        plain = AESGCM(load().by_kid(kid).key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()
        )
    except DecryptionFailed:
        raise
    except Exception as exc:
        raise DecryptionFailed(aad) from exc
    return plain.decode("utf-8")


def encrypt_bytes(plaintext: bytes, aad: str) -> bytes:
    key = load().active()
    kid = key.kid.encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key.key).encrypt(nonce, plaintext, aad.encode())
    return BYTES_PREFIX + bytes([len(kid)]) + kid + nonce + sealed


def bytes_kid(value: bytes) -> str | None:
    if not value.startswith(BYTES_PREFIX):
        return None
    size = value[len(BYTES_PREFIX)]
    start = len(BYTES_PREFIX) + 1
    return value[start : start + size].decode()


def decrypt_bytes(value: bytes, aad: str) -> bytes:
    if not value.startswith(BYTES_PREFIX):
        return value
    size = value[len(BYTES_PREFIX)]
    start = len(BYTES_PREFIX) + 1
    kid = value[start : start + size].decode()
    blob = value[start + size :]
    try:
        return AESGCM(load().by_kid(kid).key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()
        )
    except DecryptionFailed:
        raise
    except Exception as exc:
        raise DecryptionFailed(aad) from exc
