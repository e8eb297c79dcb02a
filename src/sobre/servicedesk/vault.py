"""Encryption of confidential fields with keys kept outside the database.

Each confidential value is encrypted with AES-256-GCM (``cryptography``), a fresh 96-bit nonce each time,
and *additional data* naming its organisation, record and field: a ciphertext copied onto another record
or field does not decrypt.  The database holds only ``v1.<base64url(nonce ‖ ciphertext ‖ tag)>`` and the id
of the key that made it, so neither the database file nor its backups (file copies, ``pg_dump``) reveal a
value without the key file.

The key file is a small JSON file, by default ``<home>/keys/servicedesk.keys`` (or the path in
``SOBRE_KEY_FILE``, e.g. on another disk or a secrets mount).  It is created on first use with mode 0600
in a 0700 folder, and refused when others may read it.  Its first key encrypts; the older ones still
decrypt what they made (:func:`Vault.rotate` adds a key; the service re-encrypts every value and
:func:`Vault.retire` drops an old key once no value and no backup still needs it).  Back the file up apart
from the database: a database backup without its key file cannot be read, which is the point, and a key
file lost means the confidential fields are lost.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sobre.core.errors import SobreError

KEY_FILE_ENV = "SOBRE_KEY_FILE"
PREFIX = "v1."


class VaultError(SobreError):
    """The key file is missing, unreadable, too open, or lacks the key a value needs."""

    exit_code = 4


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: bytes) -> str:
    """A short public name of a key (first 12 hex digits of its SHA-256), never the key itself."""
    return hashlib.sha256(key).hexdigest()[:12]


def additional_data(org_id: int, record_id: int, field: str) -> bytes:
    return f"sobre-servicedesk|{org_id}|{record_id}|{field}".encode()


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes
    created: str


def default_path(home: Path) -> Path:
    configured = os.environ.get(KEY_FILE_ENV)
    return Path(configured).expanduser() if configured else home / "keys" / "servicedesk.keys"


class Vault:
    """The keys of one installation, read from (and written to) the key file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_home(cls, home: Path) -> Vault:
        return cls(default_path(home))

    # ------------------------------------------------------------ the key file

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> list[Key]:
        """The keys, the encrypting one first; created (one new key) when the file does not exist yet."""
        if not self.path.exists():
            self._write([_new_key()], create=True)
        self._check_mode()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            keys = [Key(k["id"], _unb64(k["key"]), k.get("created", "")) for k in data["keys"]]
        except PermissionError:
            raise VaultError(f"cannot read the key file {self.path}: permission denied") from None
        except (ValueError, KeyError, TypeError):
            raise VaultError(f"the key file {self.path} is damaged (restore it from its backup)") from None
        if not keys or any(len(k.secret) != 32 or key_id(k.secret) != k.id for k in keys):
            raise VaultError(f"the key file {self.path} is damaged (restore it from its backup)")
        return keys

    def _check_mode(self) -> None:
        if os.name != "posix":
            return
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise VaultError(
                f"the key file {self.path} may be read by other accounts (mode {stat.filemode(mode)}); "
                f"run: chmod 600 {self.path}"
            )

    def _write(self, keys: list[Key], *, create: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(
            {
                "format": "sobre-servicedesk-keys/1",
                "note": "Keys of Sobre's confidential fields. Back this file up apart from the database.",
                "keys": [{"id": k.id, "key": _b64(k.secret), "created": k.created} for k in keys],
            },
            indent=1,
        )
        if create:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return  # another process made it first: use theirs
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
            return
        # Replace atomically: a crash leaves the old file or the new one, never half of one.
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def rotate(self) -> Key:
        """Add a new encrypting key (the old ones stay, to decrypt existing values and older backups)."""
        keys = self.load()
        new = _new_key()
        self._write([new, *keys])
        return new

    def retire(self, kid: str) -> None:
        """Drop an old key; the encrypting key cannot be retired."""
        keys = self.load()
        if keys[0].id == kid:
            raise VaultError("the current key cannot be retired; rotate first")
        if kid not in {k.id for k in keys}:
            raise VaultError(f"no key {kid!r} in {self.path}")
        self._write([k for k in keys if k.id != kid])

    def backup(self, target: Path) -> Path:
        """Copy the key file to ``target`` (mode 0600), for safekeeping apart from the database."""
        keys = self.load()
        copy = Vault(target)
        if target.exists():
            raise VaultError(f"{target} exists already; choose a new file")
        copy._write(keys, create=True)
        return target

    # ------------------------------------------------------------ values

    def encrypt(self, plaintext: str, aad: bytes) -> tuple[str, str]:
        """(ciphertext text, key id) of ``plaintext`` under the current key."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self.load()[0]
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode("utf-8"), aad)
        return PREFIX + _b64(nonce + sealed), key.id

    def decrypt(self, ciphertext: str, kid: str, aad: bytes) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = next((k for k in self.load() if k.id == kid), None)
        if key is None:
            raise VaultError(
                f"the key {kid} that encrypted this value is not in {self.path}; restore the key file "
                "that was in use when it was written"
            )
        if not ciphertext.startswith(PREFIX):
            raise VaultError("unknown ciphertext format")
        raw = _unb64(ciphertext[len(PREFIX) :])
        try:
            return AESGCM(key.secret).decrypt(raw[:12], raw[12:], aad).decode("utf-8")
        except InvalidTag:
            raise VaultError("the value does not decrypt: it was altered or moved to another field") from None


def _new_key() -> Key:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    secret = AESGCM.generate_key(bit_length=256)
    return Key(key_id(secret), secret, datetime.now(UTC).isoformat(timespec="seconds"))
