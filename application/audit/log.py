"""The audit trail: its followers, the institutions' keys, and the signed checkpoints.

Each institution's follower appends that institution's events to the store (store.py); the
log signs checkpoints of the tree and has the institutions cosign each one after checking it
extends the last.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
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
from domain.shared import tlog

log = logging.getLogger("tiaojie.audit")


class AuditFollower:
    """Appends one leaf per event of one institution's application (a poller consumer)."""

    def __init__(
        self,
        store: AuditStore,
        institution: Callable[[], str],
        on_append: Callable[[int], object] = lambda _: None,
    ) -> None:
        self.store = store
        self.institution = institution
        self.on_append = on_append

    def position(self, application_name: str) -> int:
        return self.store.max_tracking_id(f"audit:{application_name}") or 0

    def process_records(self, application: str, items: Sequence[tuple[Notification, Any]]) -> None:
        institution = self.institution()
        entries = [leaf_entry(institution, application, record, event) for record, event in items]
        size = self.store.append(entries, Tracking(f"audit:{application}", items[-1][0].id))
        self.on_append(size)


class Keys:
    """Ed25519 keys kept in the data directory: the log's, and one per institution (each
    cosigns the checkpoints it has checked). Generated on first use; replace the files (PEM,
    PKCS#8) to use real ones."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def private(self, name: str) -> Ed25519PrivateKey:
        path = self.directory / f"{name.replace('/', '_')}.pem"
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            path.chmod(0o600)
        loaded = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            msg = f"{path} is not an Ed25519 key"
            raise TypeError(msg)
        return loaded


class AuditLog:
    """Checkpoints signed by the log and cosigned by the four institutions; proofs."""

    def __init__(
        self,
        store: AuditStore,
        keys: Keys,
        origin: str,
        witnesses: Callable[[], list[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.keys = keys
        self.origin = origin
        self.witnesses = witnesses
        self.clock = clock
        self._last_signed = 0.0

    def verifiers(self) -> tuple[tlog.Verifier, list[tlog.Verifier]]:
        log = tlog.Verifier(self.origin, self.keys.private("log").public_key())
        return log, [
            tlog.Verifier(name, self.keys.private(name).public_key()) for name in self.witnesses()
        ]

    def vkeys(self) -> dict[str, str]:
        log, witnesses = self.verifiers()
        return {
            "log": tlog.verifier_key(log.name, log.key),
            **{w.name: tlog.verifier_key(w.name, w.key) for w in witnesses},
        }

    def checkpoint(self) -> str:
        """Sign the current tree; each institution cosigns only after checking that it extends
        the last checkpoint it cosigned (a consistency proof, as a C2SP witness does)."""
        size = self.store.size()
        root = self.store.root(size)
        body = tlog.Checkpoint(self.origin, size, root).body()
        note = tlog.sign_note(body, self.origin, self.keys.private("log"))
        timestamp = int(self.clock().timestamp())
        previous = self.store.checkpoints()
        for name in self.witnesses():
            if previous and not self._extends(previous[-1][1], size, root):
                log.error("%s refuses to cosign size %d: not consistent", name, size)
                continue
            note += tlog.cosign(body, name, self.keys.private(name), timestamp)
        self.store.save_checkpoint(size, note)
        return note

    def _extends(self, earlier_note: str, size: int, root: bytes) -> bool:
        earlier = tlog.Checkpoint.parse_body(tlog.split_note(earlier_note)[0])
        if earlier.size == 0 or earlier.size > size:
            return earlier.size == 0
        return tlog.verify_consistency(
            earlier.size, size, earlier.root, root, self.consistency(earlier.size, size)
        )

    def checkpoint_if_due(self, min_interval: float = 1.0) -> str | None:
        """Checkpoint when the tree grew and the last checkpoint is older than `min_interval`
        seconds: signing after every small batch cost a busy server more than the batch."""
        now = time.monotonic()
        if now - self._last_signed < min_interval:
            return None
        checkpoints = self.store.checkpoints()
        if checkpoints and checkpoints[-1][0] == self.store.size():
            return None
        self._last_signed = now
        return self.checkpoint()

    def latest(self) -> str:
        checkpoints = self.store.checkpoints()
        return checkpoints[-1][1] if checkpoints else self.checkpoint()

    def inclusion(self, index: int, size: int) -> list[bytes]:
        with self.store.reading() as mth:
            return tlog.inclusion_path(index, size, mth)

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self.store.reading() as mth:
            return tlog.consistency_path(first, second, mth)
