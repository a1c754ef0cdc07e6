"""The audit trail: its followers, the log's key, and the checkpoints the witnesses cosign.

Each institution's follower appends that institution's events to the store (store.py); the
log signs checkpoints of the tree and asks each institution's witness, a service of its own
(witnesses.py, witness/), to cosign it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

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
from domain.shared.directory import LogKeys

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
    """The log's key is gone, or is not the key the log published last."""


class KeyRecord(Protocol):
    """Where the log's keys are recorded, in the order they sign (the directory: so each
    publication and rotation is itself an entry of the log)."""

    def log_vkeys(self) -> list[str]: ...
    def publish_log_key(self, vkey: str) -> None: ...
    def rotate_log_key(self, vkey: str, handover: str) -> None: ...
    def restart_log(self, vkey: str, handover: str, witnessed: str, kept: int) -> None: ...


def _load_key(path: Path) -> Ed25519PrivateKey:
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        msg = f"{path} is not an Ed25519 key"
        raise TypeError(msg)
    return loaded


def _make_key(path: Path) -> Ed25519PrivateKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(pem)
    return key


class Keys:
    """The log's Ed25519 key, kept in the server's key directory (PEM, PKCS#8; replace the file
    to use a real one). It is made once, for a log that has signed nothing yet; after that a
    missing or other key is refused, never replaced behind the operators' backs. During a
    rotation the next key waits beside it (`log.next.pem`) until the handover is checkpointed.
    The server holds no witness key: witnesses keep their own."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "log.pem"
        self.next_path = directory / "log.next.pem"

    def log_key(self, *, create: bool) -> Ed25519PrivateKey:
        if not self.path.exists():
            if not create:
                msg = f"the log's key {self.path} is missing: restore it (or rotate keys)"
                raise LogKeyRefused(msg)
            return _make_key(self.path)
        return _load_key(self.path)

    def next_key(self) -> Ed25519PrivateKey:
        """The key a rotation hands over to: made once, so an interrupted rotation resumes."""
        return _load_key(self.next_path) if self.next_path.exists() else _make_key(self.next_path)

    def promote(self) -> None:
        """The next key becomes the log's key (one rename; the old private key is gone)."""
        self.next_path.replace(self.path)


class AuditLog:
    """Checkpoints signed by the log and cosigned by independent witnesses; proofs.

    A checkpoint counts when `quorum` of the configured witnesses cosigned it; checkpoints are
    stored with whatever cosignatures came back, and the lagging witnesses are asked again at
    the next one. The log's keys are recorded in `record` in the order they sign; each key after
    the first signs only trees that hold the entry handing over to it.
    """

    def __init__(
        self,
        store: AuditStore,
        keys: Keys,
        origin: str,
        witnesses: list[WitnessClient],
        quorum: int,
        record: KeyRecord,
    ) -> None:
        self.store = store
        self.keys = keys
        self.origin = origin
        self.witnesses = witnesses
        self.quorum = quorum
        self.record = record
        self._last_signed = 0.0

    def _key(self) -> Ed25519PrivateKey:
        """The log's key; a new one only for a log that has never signed a checkpoint."""
        return self.keys.log_key(create=not self.store.checkpoints())

    def _vkey(self, key: Ed25519PrivateKey) -> str:
        return tlog.verifier_key(self.origin, key.public_key())

    def check_key(self) -> None:
        """At start: refuse to run (LogKeyRefused) when the key is gone or is not the key the
        log published last. A log that signed before its keys were recorded publishes the key
        of its latest checkpoint, and only that one."""
        key = self._key()
        vkey = self._vkey(key)
        published = self.record.log_vkeys()
        if published and published[-1] == vkey:
            return
        if published:
            named = tlog.Verifier.parse(published[-1]).name
            if named != self.origin:
                msg = f"the log goes on as {named}: set TIAOJIE_LOG_ORIGIN={named}"
                raise LogKeyRefused(msg)
            pending = self.keys.next_path.exists()
            if pending and self._vkey(self.keys.next_key()) == published[-1]:
                msg = "a key rotation was recorded but not finished: run `tiaojie audit rotate-key`"
            else:
                msg = (
                    f"{self.keys.path} is not the key the log published last ({published[-1]}): "
                    "restore that key, or hand over with `tiaojie audit rotate-key`"
                )
            raise LogKeyRefused(msg)
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
        self.record.publish_log_key(vkey)

    def begin_rotation(self) -> str:
        """Record the handover from the log's key to a new one (an entry of the log, signed by
        the old key); the new vkey. The new key signs once `finish_rotation` ran, after a
        checkpoint by the old key holds the entry."""
        if not self.keys.next_path.exists():
            self.check_key()  # the key in use is the one published (now recorded, if it was not)
        old = self.keys.log_key(create=False)
        new_vkey = self._vkey(self.keys.next_key())
        published = self.record.log_vkeys() or [self._vkey(old)]
        if published[-1] != new_vkey:
            if published[-1] != self._vkey(old):
                msg = f"{self.keys.path} is not the key the log published last: restore it"
                raise LogKeyRefused(msg)
            self.record.rotate_log_key(new_vkey, tlog.sign_handover(old, new_vkey))
        return new_vkey

    def restart(self, origin: str, witnessed: str) -> str:
        """Go on under `origin` from this copy, which is behind `witnessed` (the old origin's
        checkpoint the witnesses cosigned last): the break is recorded as an entry, handed over
        by the log's key to itself under the new name, and from here on only the new origin
        signs (the old one's next tree would fork what the witnesses hold). The new vkey."""
        self.check_key()
        key = self.keys.log_key(create=False)
        vkey = tlog.verifier_key(origin, key.public_key())
        self.record.restart_log(vkey, tlog.sign_handover(key, vkey), witnessed, self.store.size())
        self.origin = origin
        return vkey

    def finish_rotation(self) -> None:
        """The new key signs from now on; refused until a checkpoint holds the handover."""
        checkpoints = self.store.checkpoints()
        if not checkpoints or checkpoints[-1][0] < self.signers()[-1][1]:
            msg = "no checkpoint holds the key handover yet: let the log catch up first"
            raise LogKeyRefused(msg)
        self.keys.promote()

    def signers(self) -> list[tuple[tlog.Verifier, int]]:
        """The log's keys in the order they signed, each with the least tree size it may sign
        (its handover entry inside the tree)."""
        published = self.record.log_vkeys()
        if not published:  # a log that has not started since its keys were recorded
            key = self.keys.log_key(create=False)
            return [(tlog.Verifier(self.origin, key.public_key()), 0)]
        entries = {
            leaf.fields["aggregate_version"]: leaf.index
            for leaf in self.store.leaves_of([str(LogKeys.create_id())])
        }
        never = 1 << 63
        return [
            (tlog.Verifier.parse(vkey), 0 if n == 0 else entries.get(n + 1, never) + 1)
            for n, vkey in enumerate(published)
        ]

    def verify_signed(self, note: str, first: int = 0) -> tuple[int, tlog.Checkpoint]:
        """The checkpoint and the number of the key that signed it (from `first` on, since a
        replaced key signs no more); ValueError if none may have."""
        for number, (verifier, least) in enumerate(self.signers()[first:], first):
            try:
                checkpoint = tlog.verify_note(note, verifier)
            except ValueError:
                continue
            if checkpoint.size < least:
                msg = f"signed by a key whose handover is not in its tree of {checkpoint.size}"
                raise ValueError(msg)
            return number, checkpoint
        msg = "no valid signature by a key the log handed over to"
        raise ValueError(msg)

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
        if self._before_handover(size):
            msg = "the log's restart is not an entry yet: let the log catch up first"
            raise LogKeyRefused(msg)
        root = self.store.root(size)
        body = tlog.Checkpoint(self.origin, size, root).body()
        note = tlog.sign_note(body, self.origin, self._key())
        for witness in self.witnesses:
            note += witness.cosign(note, size, self.consistency) or ""
        self.store.save_checkpoint(size, note)
        return note

    def _before_handover(self, size: int) -> bool:
        """Whether the key that signs now came by a handover its tree of `size` lacks (a
        restart logged after the copy's entries; a rotation's old key signs until then)."""
        if self.keys.next_path.exists() or len(self.record.log_vkeys()) < 2:
            return False
        return size < self.signers()[-1][1]

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
