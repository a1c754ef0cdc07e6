"""Keyed pseudonyms for records about people, so no id reveals a person.

Accounts, party identities and portal invitations are found by a natural key (a user name, an
ID number), so their ids are derived from it; and audit entries name their actor. Derived in
the clear (uuid5), such an id gives the ID number or the name back to whoever tries the
candidates: an auditor reading entries, anyone holding a claim link. Here they are HMAC-SHA256
under a deployment secret (`pseudonyms.key` beside the log's key), cut to a version-8 UUID.

The directory commits to the key once (a fingerprint, itself an HMAC, in the signed log), so a
server started with another key or none refuses rather than making new ids that miss every
stored record. Records made before ids were keyed keep their stored ids (they are in the signed
log and cannot change): lookups try the legacy id second.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

FILE = "pseudonyms.key"
_VERSION_AND_VARIANT = (0xF << 76) | (0x3 << 62)


class PseudonymKeyRefused(Exception):
    """The key is missing or is not the one the directory's ids were made with."""


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self.of = functools.lru_cache(maxsize=65_536)(self._of)  # actors recur in every entry

    def _of(self, kind: str, value: str) -> UUID:
        digest = hmac.new(self._key, f"tiaojie:{kind}:{value}".encode(), hashlib.sha256).digest()
        number = int.from_bytes(digest[:16], "big") & ~_VERSION_AND_VARIANT
        return UUID(int=number | (0x8 << 76) | (0x2 << 62))

    def digest(self, kind: str, value: str) -> str:
        """A keyed digest of a short secret (a one-time code): without the key, the stored
        digest cannot be tried against every candidate."""
        message = f"tiaojie:{kind}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    @property
    def fingerprint(self) -> str:
        return hmac.new(self._key, b"tiaojie:pseudonym-key", hashlib.sha256).hexdigest()

    @staticmethod
    def legacy(kind: str, value: str) -> UUID:
        """The id such a record was given before ids were keyed (readable stored records)."""
        return uuid5(NAMESPACE_URL, f"tiaojie:{kind}:{value}")


def load_key(directory: Path, *, create: bool) -> Pseudonyms:
    """The deployment's key; a new one only where the directory has committed to none."""
    path = directory / FILE
    if not path.exists():
        if not create:
            msg = f"the pseudonym key {path} is missing: restore it from the deployment's backup"
            raise PseudonymKeyRefused(msg)
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        msg = f"{path} must hold 32 bytes in hex"
        raise PseudonymKeyRefused(msg)
    return Pseudonyms(key)
