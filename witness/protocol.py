"""add-checkpoint, as C2SP tlog-witness defines it: the checks, in the spec's order, and the
cosignature/v1 line (timestamped by the witness's own clock) when they all pass."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.shared import tlog
from witness.state import EMPTY_ROOT, Latest, WitnessState

MAX_PROOF_LINES = 63
_OLD = re.compile(r"^old (0|[1-9][0-9]*)$")
SIZE_TYPE = "text/x.tlog.size"


class Refused(Exception):
    """An answer other than 200: the status, and the body the spec asks for."""

    def __init__(self, status: int, detail: str, content_type: str = "text/plain") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.content_type = content_type


@dataclass(frozen=True)
class Witness:
    name: str
    key: Ed25519PrivateKey
    logs: Mapping[str, Sequence[tlog.Verifier]]  # origin -> the log's trusted keys
    state: WitnessState
    clock: Callable[[], float]

    @property
    def vkey(self) -> str:
        return tlog.cosigner_key(self.name, self.key.public_key())

    def add_checkpoint(self, body: bytes) -> str:
        """The witness's cosignature line for the submitted checkpoint, or Refused."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the request is not UTF-8") from None
        head, blank, note = text.partition("\n\n")
        lines = head.split("\n")
        old_line = _OLD.match(lines[0])
        if not blank or old_line is None:
            raise Refused(400, "the request starts with an old size line, then a blank line")
        old = int(old_line[1])
        proof = self._proof(lines[1:])
        try:
            body_text, _ = tlog.split_note(note)
            checkpoint = tlog.Checkpoint.parse_body(body_text)
        except (ValueError, binascii.Error):
            raise Refused(400, "not a checkpoint") from None
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            raise Refused(404, f"unknown log {checkpoint.origin}")
        if not any(self._signed(note, v) for v in verifiers):
            raise Refused(403, "no valid signature by a trusted key of the log")
        if old > checkpoint.size:
            raise Refused(400, "the old size is larger than the checkpoint's")
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            raise Refused(422, "an empty tree has the empty root")
        if old == 0 and proof:
            raise Refused(422, "no proof from the empty tree")
        with self.state.advancing(checkpoint.origin) as (current, new):
            if current.size != old:
                raise Refused(409, f"{current.size}\n", SIZE_TYPE)
            if old == checkpoint.size:
                if current.root != checkpoint.root:
                    raise Refused(422, "the same size with another root")
            elif old > 0 and not tlog.verify_consistency(
                old, checkpoint.size, current.root, checkpoint.root, proof
            ):
                raise Refused(422, "the consistency proof does not verify")
            line = tlog.cosign(body_text, self.name, self.key, int(self.clock()))
            new.append(Latest(checkpoint.size, checkpoint.root, note + line))
        return line

    def latest(self, origin: str) -> str | None:
        """The latest checkpoint this witness cosigned for the log, with its cosignature."""
        found = self.state.latest(origin)
        return found.note if found else None

    @staticmethod
    def _proof(lines: Sequence[str]) -> list[bytes]:
        if len(lines) > MAX_PROOF_LINES:
            raise Refused(400, f"at most {MAX_PROOF_LINES} consistency proof lines")
        try:
            hashes = [base64.b64decode(line, validate=True) for line in lines]
        except binascii.Error:
            raise Refused(400, "a proof line is not base64") from None
        if any(len(h) != 32 for h in hashes):
            raise Refused(400, "a proof line is not a SHA-256 hash")
        return hashes

    @staticmethod
    def _signed(note: str, verifier: tlog.Verifier) -> bool:
        try:
            tlog.verify_note(note, verifier)
        except ValueError:
            return False
        return True
