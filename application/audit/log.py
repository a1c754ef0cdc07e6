"""The audit trail: its followers, the log's key, and the checkpoints the witnesses cosign.

Each institution's follower appends that institution's events to the store (store.py); the
log signs checkpoints of the tree and asks each institution's witness, a service of its own
(witnesses.py, witness/), to cosign it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from eventsourcing.persistence import Notification, Tracking

from application.audit.store import AuditStore, leaf_entry
from application.audit.witnesses import WitnessClient
from application.shared.pseudonyms import Pseudonyms
from domain.shared import tlog

log = logging.getLogger("tiaojie.audit")


class AuditFollower:
    """Appends one leaf per event of one institution's application (a poller consumer)."""

    def __init__(
        self,
        store: AuditStore,
        institution: Callable[[], str],
        pseudonyms: Callable[[], Pseudonyms],
        on_append: Callable[[int], object] = lambda _: None,
    ) -> None:
        self.store = store
        self.institution = institution
        self.pseudonyms = pseudonyms
        self.on_append = on_append

    def position(self, application_name: str) -> int:
        return self.store.max_tracking_id(f"audit:{application_name}") or 0

    def process_records(self, application: str, items: Sequence[tuple[Notification, Any]]) -> None:
        institution = self.institution()
        pseudonyms = self.pseudonyms()
        entries = [leaf_entry(institution, application, record, pseudonyms) for record, _ in items]
        size = self.store.append(entries, Tracking(f"audit:{application}", items[-1][0].id))
        self.on_append(size)


class LogKeyRefused(Exception):
    """The log's key is gone, or is not the key that signed its checkpoints."""


class Keys:
    """The log's Ed25519 key, kept in the server's key directory (PEM, PKCS#8; replace the file
    to use a real one). It is made once, for a log that has signed nothing yet; after that a
    missing or other key is refused, never replaced behind the operators' backs. The server
    holds no witness key: witnesses keep their own."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "log.pem"

    def log_key(self, *, create: bool) -> Ed25519PrivateKey:
        if not self.path.exists():
            if not create:
                msg = f"the log's key {self.path} is missing: restore it (or rotate keys)"
                raise LogKeyRefused(msg)
            self.directory.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            self.path.write_bytes(
                key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            )
            self.path.chmod(0o600)
        loaded = load_pem_private_key(self.path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            msg = f"{self.path} is not an Ed25519 key"
            raise TypeError(msg)
        return loaded


class AuditLog:
    """Checkpoints signed by the log and cosigned by independent witnesses; proofs.

    A checkpoint counts when `quorum` of the configured witnesses cosigned it; checkpoints are
    stored with whatever cosignatures came back, and the lagging witnesses are asked again at
    the next one.
    """

    def __init__(
        self,
        store: AuditStore,
        keys: Keys,
        origin: str,
        witnesses: list[WitnessClient],
        quorum: int,
    ) -> None:
        self.store = store
        self.keys = keys
        self.origin = origin
        self.witnesses = witnesses
        self.quorum = quorum
        self._last_signed = 0.0

    def _key(self) -> Ed25519PrivateKey:
        """The log's key; a new one only for a log that has never signed a checkpoint."""
        return self.keys.log_key(create=not self.store.checkpoints())

    def check_key(self) -> None:
        """At start: refuse to run once the log has signed, if its key is gone or is another
        key than the one its checkpoints were signed with (LogKeyRefused)."""
        key = self._key()
        checkpoints = self.store.checkpoints()
        if checkpoints:
            try:
                tlog.verify_note(checkpoints[-1][1], tlog.Verifier(self.origin, key.public_key()))
            except ValueError:
                msg = (
                    f"{self.keys.path} is not the key that signed the log's checkpoints: "
                    "restore the log's key"
                )
                raise LogKeyRefused(msg) from None

    def verifiers(self) -> tuple[tlog.Verifier, list[tlog.Verifier]]:
        log_key = self.keys.log_key(create=False).public_key()
        return tlog.Verifier(self.origin, log_key), [w.verifier for w in self.witnesses]

    def vkeys(self) -> dict[str, str]:
        """The log's vkey and the witnesses' (cosignature/v1 form): what clients pin."""
        return {
            "log": tlog.verifier_key(self.origin, self._key().public_key()),
            **{w.name: w.config.vkey for w in self.witnesses},
        }

    def checkpoint(self) -> str:
        """Sign the current tree and ask every witness to cosign it (each checks it extends
        the last checkpoint it cosigned)."""
        size = self.store.size()
        root = self.store.root(size)
        body = tlog.Checkpoint(self.origin, size, root).body()
        note = tlog.sign_note(body, self.origin, self._key())
        for witness in self.witnesses:
            note += witness.cosign(note, size, self.consistency) or ""
        self.store.save_checkpoint(size, note)
        return note

    def cosignatures(self, note: str) -> int:
        """How many configured witnesses validly cosigned this checkpoint."""
        count = 0
        for witness in self.witnesses:
            try:
                tlog.verify_cosignature(note, witness.verifier)
            except ValueError:
                continue
            count += 1
        return count

    def lagging(self) -> dict[str, str]:
        """The witnesses that did not cosign the latest checkpoint, and why."""
        return {w.name: w.lag for w in self.witnesses if w.lag}

    def checkpoint_if_due(self, min_interval: float = 1.0, retry: float = 10.0) -> str | None:
        """Checkpoint when the tree grew and the last checkpoint is older than `min_interval`
        seconds (signing after every small batch cost a busy server more than the batch);
        while a witness lags, ask again every `retry` seconds even if nothing was added."""
        now = time.monotonic()
        since = now - self._last_signed
        if since < min_interval:
            return None
        checkpoints = self.store.checkpoints()
        unchanged = bool(checkpoints) and checkpoints[-1][0] == self.store.size()
        if unchanged and not (self.lagging() and since >= retry):
            return None
        self._last_signed = now
        return self.checkpoint()

    def latest(self) -> str:
        """The newest checkpoint the quorum cosigned (the newest of all while none has)."""
        checkpoints = self.store.checkpoints()
        if not checkpoints:
            return self.checkpoint()
        for _, note in reversed(checkpoints):
            if self.cosignatures(note) >= self.quorum:
                return note
        return checkpoints[-1][1]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        with self.store.reading() as mth:
            return tlog.inclusion_path(index, size, mth)

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self.store.reading() as mth:
            return tlog.consistency_path(first, second, mth)
