"""SecretBox: how the server encrypts the secrets it stores (Fernet, with one server key).

The key is ``server.secrets_key`` when set; otherwise it lives in a file (by default
``secrets.key`` in caudal's home), made with mode 0600 the first time a secret is used.
Servers sharing one database must share the key. Messages never hold a secret's value.
"""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from caudal.server.errors import Misconfigured

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

__all__ = ["SecretBox"]

_HOW_TO_SET = ("set 'server.secrets_key' (CAUDAL__SERVER__SECRETS_KEY) to a key made with "
               "'python -c \"from cryptography.fernet import Fernet; "
               "print(Fernet.generate_key().decode())\"'")


class SecretBox:
    """Encrypts and decrypts secret values with the server's key, loaded on first use.

    Args:
        key: the Fernet key (url-safe base64 of 32 bytes), or None.
        key_file: the file that holds the key when ``key`` is None; made if missing.
    """

    def __init__(self, key: str | None = None, key_file: str | Path | None = None) -> None:
        self._key = key
        self._key_file = Path(key_file) if key_file else None
        self._fernet: Fernet | None = None
        self._raw_key: bytes | None = None
        self._lock = threading.Lock()

    def encrypt(self, value: str) -> str:
        """The value as Fernet ciphertext (text)."""
        return self._cipher().encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, name: str) -> str:
        """The value of the secret ``name`` from its ciphertext.

        Raises:
            Misconfigured: the key is missing or is not the one the secret was stored with.
        """
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise Misconfigured(
                f"Secret '{name}' cannot be decrypted with this server's secrets key "
                f"({self._source()}): it was stored with another key. Give the server the "
                "key it was stored with, or set the secret again.") from None

    def derived_key(self, purpose: bytes) -> bytes | None:
        """A key for ``purpose`` derived from the server's secrets key (the web UI seals its
        session cookies with one), or None when the server has no usable secrets key."""
        import hashlib
        import hmac

        try:
            self._cipher()
        except Misconfigured:
            return None
        assert self._raw_key is not None
        return hmac.new(self._raw_key, purpose, hashlib.sha256).digest()

    def _source(self) -> str:
        if self._key is not None:
            return "from server.secrets_key"
        return f"from {self._key_file}"

    def _cipher(self) -> Fernet:
        with self._lock:
            if self._fernet is None:
                self._fernet = self._load()
            return self._fernet

    def _load(self) -> Fernet:
        # Imported on first use: a server that stores no secrets starts without it.
        try:
            from cryptography.fernet import Fernet
        except ImportError:
            raise Misconfigured("The server cannot store secrets: the 'cryptography' package "
                                "is not installed; install it where the server runs.") from None
        key = self._key
        if key is None and self._key_file is not None:
            key = self._read_or_make(self._key_file)
        if key is None:
            raise Misconfigured(f"The server has no secrets key: {_HOW_TO_SET}.")
        try:
            fernet = Fernet(key.strip().encode("ascii"))
            self._raw_key = base64.urlsafe_b64decode(key.strip().encode("ascii"))
            return fernet
        except (ValueError, UnicodeEncodeError):
            raise Misconfigured(
                f"The server's secrets key ({self._source()}) is not a Fernet key (url-safe "
                f"base64 of 32 bytes); {_HOW_TO_SET}.") from None

    @staticmethod
    def _read_or_make(path: Path) -> str:
        from cryptography.fernet import Fernet

        try:
            return path.read_text(encoding="ascii")
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a file of its own, then linked into place: of two servers making
        # the key at once, one link succeeds and both read that key, never a half-written one.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(Fernet.generate_key().decode("ascii"))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
        return path.read_text(encoding="ascii")
