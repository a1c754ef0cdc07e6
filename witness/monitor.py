"""A monitor of the audit log, for a court, a bank or the procuratorate to run on its own machine.

It fetches the log's latest checkpoint, checks the log's signature and the witnesses' quorum
with keys it pinned, recomputes the root from the public hash tiles (never from the log's proof
endpoints), and compares with the checkpoint it kept from its last run: a tree that shrank, or
whose earlier part no longer gives the kept root (a fork), is reported; so is a checkpoint a
peer monitor kept that this tree contradicts (a split view). When the log's key was rotated
it follows the published chain (`log-keys`) from the key it pinned, each handover signed by
the key before. Only the standalone verifier is imported.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.shared import tlog

STATE_FILE = "checkpoint"


@dataclass(frozen=True)
class Pins:
    """The keys the monitor trusts: the log's, the witnesses', and how many must cosign."""

    log: tlog.Verifier
    witnesses: list[tlog.Verifier]
    quorum: int

    @classmethod
    def load(cls, path: Path, quorum: int | None = None) -> Pins:
        """From the JSON `/api/audit/keys` answers ({"log": vkey, name: vkey, ...})."""
        keys = json.loads(path.read_text())
        witnesses = [tlog.Verifier.parse(v) for name, v in keys.items() if name != "log"]
        wanted = min(3, len(witnesses)) if quorum is None else quorum
        return cls(tlog.Verifier.parse(keys["log"]), witnesses, wanted)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the log's URL)
        data: bytes = response.read()
        return data


@dataclass(frozen=True)
class Break:
    """The log went on under a new origin from a copy of `kept` entries, behind `lost`: the
    checkpoint of the old origin the witnesses had cosigned (checked against the pins)."""

    origin: str
    kept: int
    lost: tlog.Checkpoint

    def report(self) -> str:
        return (
            f"an announced break: the log {self.lost.origin} goes on as {self.origin} from a "
            f"copy of {self.kept} entries; the witnesses had cosigned {self.lost.size}, so "
            f"{self.lost.size - self.kept} witnessed entries are lost"
        )


def handed_over(prefix: str, pins: Pins, breaks: list[Break] | None = None) -> list[tlog.Verifier]:
    """The keys the pinned log key handed over to, in order, each handover checked (ValueError
    when one does not verify; none when the log publishes no chain holding the pinned key).
    Restarts under a new origin on the way are added to `breaks`."""
    try:
        chain = json.loads(_get(f"{prefix}/log-keys"))
    except OSError:
        return []
    vkeys = [entry["vkey"] for entry in chain]
    mine = tlog.verifier_key(pins.log.name, pins.log.key)
    if mine not in vkeys:
        return []
    start = vkeys.index(mine)
    followed: list[tlog.Verifier] = []
    for before, entry in zip(chain[start:], chain[start + 1 :], strict=False):
        tlog.verify_handover(before["vkey"], entry["vkey"], entry["handover"])
        restart = entry.get("restart")
        if restart is not None and breaks is not None:
            lost = checked(restart["witnessed"], pins, followed)
            breaks.append(Break(tlog.Verifier.parse(entry["vkey"]).name, restart["kept"], lost))
        followed.append(tlog.Verifier.parse(entry["vkey"]))
    return followed


def _signed_by_any(note: str, keys: Sequence[tlog.Verifier]) -> tlog.Checkpoint:
    for key in keys[:-1]:
        try:
            return tlog.verify_note(note, key)
        except ValueError:
            continue
    return tlog.verify_note(note, keys[-1])


def checked(note: str, pins: Pins, logs: Sequence[tlog.Verifier] = ()) -> tlog.Checkpoint:
    """The checkpoint, if the log signed it (with the pinned key, or one it handed over to:
    `logs`) and the quorum of pinned witnesses cosigned it."""
    checkpoint = _signed_by_any(note, [pins.log, *logs])
    cosigned = 0
    for witness in pins.witnesses:
        try:
            tlog.verify_cosignature(note, witness)
        except ValueError:
            continue
        cosigned += 1
    if cosigned < pins.quorum:
        msg = f"only {cosigned} of the pinned witnesses cosigned it ({pins.quorum} needed)"
        raise ValueError(msg)
    return checkpoint


def monitor(prefix: str, state: Path, pins: Pins, peers: Sequence[Path] = ()) -> list[str]:
    """Check the log at `prefix` (its checkpoint and `tile/...` are below it); the problems
    found. With none, the new checkpoint is kept for the next run."""
    prefix = prefix.rstrip("/")
    note = _get(f"{prefix}/checkpoint").decode()
    logs: list[tlog.Verifier] = []
    breaks: list[Break] = []
    try:
        tlog.verify_note(note, pins.log)
    except ValueError:
        try:
            logs = handed_over(prefix, pins, breaks)
        except ValueError as error:
            return [f"a handover of the log's key does not verify: {error}"]
    try:
        current = checked(note, pins, logs)
    except ValueError as error:
        return [f"the latest checkpoint does not check out: {error}"]

    def fetch(level: int, index: int, width: int) -> bytes:
        return _get(f"{prefix}/{tlog.tile_path(level, index, width)}")

    mth = tlog.tiles_subtree_root(current.size, fetch)

    def root(size: int) -> bytes:
        return mth(0, size) if size else tlog.root_hash([])

    problems = []
    try:
        if root(current.size) != current.root:
            problems.append(f"the tiles do not give the root of the checkpoint of {current.size}")
        kept = [(f"this monitor's checkpoint ({state / STATE_FILE})", state / STATE_FILE)]
        kept += [(f"the peer's checkpoint {peer}", peer) for peer in peers]
        for what, path in kept:
            if not path.exists():
                continue
            earlier = _signed_by_any(path.read_text(), [pins.log, *logs])
            if any(b.lost.origin == earlier.origin for b in breaks):
                continue  # beyond what the break kept: reported as the break below
            if earlier.size > current.size:
                problems.append(
                    f"the log shrank: {what} has {earlier.size} entries, the log {current.size}"
                )
            elif root(earlier.size) != earlier.root:
                problems.append(
                    f"a fork: {what} of {earlier.size} entries has another root than the "
                    f"log's tree of that size now"
                )
    except (OSError, ValueError) as error:
        problems.append(f"the tiles could not be checked: {error}")
    announced = [b.report() for b in breaks if _kept_before(state, b)]
    if not problems:
        state.mkdir(parents=True, exist_ok=True)
        (state / STATE_FILE).write_text(note)  # a break is reported once, then followed
    return announced + problems


def _kept_before(state: Path, restart: Break) -> bool:
    """Whether this monitor last kept a checkpoint of the origin the break left (so it has
    not reported the break yet)."""
    path = state / STATE_FILE
    return not path.exists() or path.read_text().split("\n", 1)[0] == restart.lost.origin
