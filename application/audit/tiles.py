"""The log as C2SP tlog-tiles: hash tiles anyone may fetch to check that the tree only grows,
and entry bundles for the deployment's monitors and auditors.

A tile at level L and index N holds up to 256 hashes, each the root of 256**L consecutive
leaves: exactly the stored complete subtrees at tree level 8L, so tiles are read, not computed.
Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, N in 3-digit path elements with
an `x` before all but the last (`x001/x234/067`).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from application.audit.store import AuditStore
from domain.shared import tlog

WIDTH = tlog.TILE_WIDTH
_INDEX = re.compile(r"^((?:x[0-9]{3}/)*)([0-9]{3})(?:\.p/([1-9][0-9]*))?$")


@dataclass(frozen=True)
class TilePath:
    level: int | None  # None: an entry bundle
    index: int
    width: int  # 256 for a full tile

    @classmethod
    def parse(cls, path: str) -> TilePath:
        """`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`; ValueError for anything else."""
        head, _, rest = path.partition("/")
        if head == "entries":
            level = None
        elif re.fullmatch(r"0|[1-9][0-9]?", head) and int(head) <= 63:
            level = int(head)
        else:
            raise ValueError(path)
        match = _INDEX.match(rest)
        if match is None:
            raise ValueError(path)
        elements = [e.removeprefix("x") for e in match[1].split("/") if e] + [match[2]]
        width = int(match[3]) if match[3] else WIDTH
        if width > WIDTH or (len(elements) > 1 and elements[0] == "000"):
            raise ValueError(path)
        return cls(level, int("".join(elements)), width)

    def encode(self) -> str:
        return tlog.tile_path(self.level, self.index, self.width)


def hash_tile(store: AuditStore, tile: TilePath) -> bytes | None:
    """The tile's hashes concatenated, or None when the tree does not hold them (yet)."""
    assert tile.level is not None
    start = tile.index * WIDTH
    hashes = store.level(8 * tile.level, start, start + tile.width)
    return b"".join(hashes) if len(hashes) == tile.width else None


def entry_bundle(store: AuditStore, tile: TilePath) -> bytes | None:
    """The entries as big-endian uint16 length-prefixed UTF-8, or None."""
    start = tile.index * WIDTH
    leaves = store.leaves(start, tile.width)
    if len(leaves) != tile.width:
        return None
    bundle = bytearray()
    for leaf in leaves:
        data = leaf.entry.encode()
        bundle += struct.pack(">H", len(data)) + data
    return bytes(bundle)
