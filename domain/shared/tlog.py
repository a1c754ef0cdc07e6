"""A standalone verifier for tiaojie's audit log: RFC 6962 Merkle trees and C2SP signed notes.

This module imports only the standard library and `cryptography`, so a court or an auditor can
copy it and check, offline, with nothing but the published public keys:

- that an entry is in the log (an inclusion proof against a checkpoint's root);
- that the log was only appended to between two checkpoints (a consistency proof);
- that a checkpoint was signed by the log, and cosigned by the institutions (witnesses).

Formats:
    leaf hash   = SHA-256(0x00 || entry)             (RFC 6962 §2.1)
    node hash   = SHA-256(0x01 || left || right)
    checkpoint  = "<origin>\\n<tree size>\\n<base64 root>\\n" then a blank line and signature
                  lines "— <key name> <base64(key hash[4] || signature)>\\n"
                  (C2SP tlog-checkpoint and signed-note)
    Ed25519 key hash    = SHA-256(name || "\\n" || 0x01 || public key)[:4]
    cosignature/v1      = Ed25519 over "cosignature/v1\\ntime <unix seconds>\\n" + checkpoint
                          body; line payload = key hash[4] || time (8 bytes, big-endian) || sig;
                          key hash = SHA-256(name || "\\n" || 0x04 || public key)[:4]
                          (C2SP tlog-cosignature)
    verifier key        = "<name>+<hex key hash>+<base64(0x01 || public key)>" (signed-note)
    key handover        = Ed25519 by the replaced log key over
                          "tiaojie/log-key-handover\n<next verifier key>\n" (a rotation entry)

Example:
    >>> root = root_hash([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
    >>> proof = inclusion_proof(1, [leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
    >>> verify_inclusion(leaf_hash(b"b"), 1, 3, proof, root)
    True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"


# --- RFC 6962 Merkle tree hashing -----------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with leaf_hash)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_hash(leaves[:k]), root_hash(leaves[k:]))


# A tree too large for memory is read through `mth(start, end)`: the root of leaves
# [start, end), which a store answers from the complete subtrees it keeps.
SubtreeRoot = Callable[[int, int], bytes]


def list_subtree_root(leaves: Sequence[bytes]) -> SubtreeRoot:
    return lambda start, end: root_hash(leaves[start:end])


# C2SP tlog-tiles: a tile at level L, index N holds up to 256 hashes, each MTH of 256**L leaves.
TILE_WIDTH = 256
TileFetch = Callable[[int, int, int], bytes]  # (level, index, width) -> the tile's bytes


def tile_width(level: int, index: int, size: int) -> int:
    """The width of tile (level, index) in a tree of `size` leaves: 256, or the partial
    width floor(size / 256**level) mod 256 of the rightmost tile."""
    span: int = TILE_WIDTH**level
    if (index + 1) * TILE_WIDTH * span <= size:
        return TILE_WIDTH
    return (size // span) % TILE_WIDTH


def tiles_subtree_root(size: int, fetch: TileFetch) -> SubtreeRoot:
    """`mth(start, end)` for a tree of `size` leaves from its hash tiles alone (what a monitor
    fetched), so roots and proofs are recomputed without trusting the log's answers."""
    tiles: dict[tuple[int, int], bytes] = {}

    def node(height: int, index: int) -> bytes:
        """The root of the complete subtree of 2**height leaves at position `index`."""
        if height % 8:
            return node_hash(node(height - 1, 2 * index), node(height - 1, 2 * index + 1))
        level = height // 8
        tile_index, offset = divmod(index, TILE_WIDTH)
        width = tile_width(level, tile_index, size)
        if (level, tile_index) not in tiles:
            data = fetch(level, tile_index, width)
            if len(data) != 32 * width:
                msg = f"tile {level}/{tile_index} is {len(data)} bytes, not {32 * width}"
                raise ValueError(msg)
            tiles[(level, tile_index)] = data
        if offset >= width:
            msg = f"tile {level}/{tile_index} holds {width} hashes, not {offset + 1}"
            raise ValueError(msg)
        return tiles[(level, tile_index)][32 * offset : 32 * offset + 32]

    def mth(start: int, end: int) -> bytes:
        if end > size:
            msg = f"leaves {start}..{end} are beyond a tree of {size}"
            raise ValueError(msg)
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            height = width.bit_length() - 1
            return node(height, start >> height)
        k = _split(width)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth


def tile_path(level: int | None, index: int, width: int) -> str:
    """`tile/<L>/<N>[.p/<W>]` (or `tile/entries/...` for level None)."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    encoded = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
    head = "entries" if level is None else str(level)
    return f"tile/{head}/{encoded}" + ("" if width == TILE_WIDTH else f".p/{width}")


def inclusion_path(index: int, size: int, mth: SubtreeRoot) -> list[bytes]:
    """PATH(index, D[size]): the audit path of one leaf (RFC 6962 §2.1.1)."""
    if not 0 <= index < size:
        msg = f"index {index} is outside a tree of {size} leaves"
        raise ValueError(msg)
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start += k
    return path[::-1]


def consistency_path(first: int, size: int, mth: SubtreeRoot) -> list[bytes]:
    """PROOF(first, D[size]): the tree of `first` leaves is a prefix of it (§2.1.2)."""
    if not 0 < first <= size:
        msg = f"no consistency proof from {first} to {size} leaves"
        raise ValueError(msg)
    path: list[bytes] = []
    start, end, m, complete = 0, size, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        path.append(mth(start, end))
    return path[::-1]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    return inclusion_path(index, len(leaves), list_subtree_root(leaves))


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    return consistency_path(first, len(leaves), list_subtree_root(leaves))


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `leaf` sit at `index` of the tree of `size` with `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `first` leaves a prefix of the tree of `second`?"""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is a node of the path
        path = [first_root, *path]
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- C2SP signed notes: checkpoints and cosignatures ----------------------------------------


def key_hash(name: str, kind: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def verifier_key(name: str, key: Ed25519PublicKey, kind: int = ED25519) -> str:
    """The published form of a public key (a vkey): `name+hexkeyid+base64(type||key)`, type
    0x01 for a note signer (the log), 0x04 for a cosignature/v1 cosigner (a witness)."""
    raw = raw_public_key(key)
    encoded = base64.b64encode(bytes([kind]) + raw).decode()
    return f"{name}+{key_hash(name, kind, raw).hex()}+{encoded}"


def cosigner_key(name: str, key: Ed25519PublicKey) -> str:
    """A witness's vkey in the cosignature/v1 form standard note clients match lines by."""
    return verifier_key(name, key, COSIGNATURE_V1)


@dataclass(frozen=True)
class Verifier:
    name: str
    key: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """A note signer's (0x01) or a cosigner's (0x04) Ed25519 vkey."""
        name, hex_hash, encoded = vkey.strip().split("+", 2)  # base64 may contain "+"
        raw = base64.b64decode(encoded)
        if raw[0] not in (ED25519, COSIGNATURE_V1) or len(raw) != 33:
            msg = "only Ed25519 verifier keys are supported"
            raise ValueError(msg)
        key = Ed25519PublicKey.from_public_bytes(raw[1:])
        if key_hash(name, raw[0], raw[1:]).hex() != hex_hash:
            msg = "the key hash does not match the key"
            raise ValueError(msg)
        return cls(name, key)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse_body(cls, body: str) -> Checkpoint:
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[1].isdigit():
            msg = "not a checkpoint body"
            raise ValueError(msg)
        return cls(lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True))


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """The note with one signature line (more can be appended by cosigners)."""
    raw = raw_public_key(key.public_key())
    signature = key.sign(body.encode())
    payload = base64.b64encode(key_hash(name, ED25519, raw) + signature).decode()
    return f"{body}\n{EM_DASH} {name} {payload}\n"


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """One cosignature/v1 line over a checkpoint body."""
    raw = raw_public_key(key.public_key())
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    signature = key.sign(message)
    payload = key_hash(name, COSIGNATURE_V1, raw) + struct.pack(">Q", timestamp) + signature
    return f"{EM_DASH} {name} {base64.b64encode(payload).decode()}\n"


def _handover_message(new_vkey: str) -> bytes:
    return f"tiaojie/log-key-handover\n{new_vkey}\n".encode()


def sign_handover(old: Ed25519PrivateKey, new_vkey: str) -> str:
    """The old log key's signature (base64) naming the key that follows it."""
    return base64.b64encode(old.sign(_handover_message(new_vkey))).decode()


def verify_handover(old_vkey: str, new_vkey: str, handover: str) -> None:
    """ValueError unless `handover` is `old_vkey`'s signature naming `new_vkey`."""
    try:
        Verifier.parse(old_vkey).key.verify(
            base64.b64decode(handover, validate=True), _handover_message(new_vkey)
        )
    except (InvalidSignature, binascii.Error):
        msg = "the handover is not signed by the replaced key"
        raise ValueError(msg) from None


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The body and its signature lines (name, decoded payload)."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        msg = "a signed note has a blank line before its signatures"
        raise ValueError(msg)
    found = []
    for line in signatures.splitlines():
        prefix, name, payload = line.split(" ")
        if prefix != EM_DASH:
            msg = f"not a signature line: {line!r}"
            raise ValueError(msg)
        found.append((name, base64.b64decode(payload, validate=True)))
    return body + "\n", found


def merge_notes(notes: Sequence[str]) -> str:
    """One note with every signature line of `notes`, which sign the same body (each witness
    keeps the checkpoint with its own cosignature beside the log's signature)."""
    body, _, _ = notes[0].partition("\n\n")
    lines: list[str] = []
    for note in notes:
        same, separator, signatures = note.partition("\n\n")
        if same != body or not separator:
            msg = "the notes sign different bodies"
            raise ValueError(msg)
        lines += [line for line in signatures.splitlines() if line not in lines]
    return body + "\n\n" + "".join(f"{line}\n" for line in lines)


def verify_note(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint, if `verifier` signed it; ValueError otherwise."""
    body, signatures = split_note(note)
    raw = raw_public_key(verifier.key)
    wanted = key_hash(verifier.name, ED25519, raw)
    for name, payload in signatures:
        if name == verifier.name and payload[:4] == wanted:
            try:
                verifier.key.verify(payload[4:], body.encode())
            except InvalidSignature:
                break
            return Checkpoint.parse_body(body)
    msg = f"no valid signature by {verifier.name}"
    raise ValueError(msg)


def verify_cosignature(note: str, witness: Verifier) -> int:
    """The time the witness cosigned the note's checkpoint; ValueError if it did not."""
    body, signatures = split_note(note)
    raw = raw_public_key(witness.key)
    wanted = key_hash(witness.name, COSIGNATURE_V1, raw)
    for name, payload in signatures:
        if name == witness.name and payload[:4] == wanted and len(payload) == 4 + 8 + 64:
            (timestamp,) = struct.unpack(">Q", payload[4:12])
            message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
            try:
                witness.key.verify(payload[12:], message)
            except InvalidSignature:
                break
            return int(timestamp)
    msg = f"no valid cosignature by {witness.name}"
    raise ValueError(msg)
