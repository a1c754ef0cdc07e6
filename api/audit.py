"""HTTP resources of the audit trail: checkpoints, keys, entries with proofs, case timelines.

Checkpoints, keys and consistency proofs are public (they reveal no case). Auditors, judges,
court clerks and prosecutors of the deployment's institutions read the metadata of every entry;
anyone else only the entries of cases they may see (application/shared/access.py).
"""

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.security.jwt import Token

from application.audit.case_trail import case_aggregates, case_leaves
from application.audit.tiles import TilePath, entry_bundle, hash_tile
from application.bootstrap import Platform
from application.shared import access
from application.shared.access import Principal
from application.shared.errors import NotFound
from domain.shared.errors import InvalidValue

AuthRequest = Request[Principal, Token, Any]


MAX_INDEX = 2**62  # indexes and sizes stored as signed 64-bit integers


class EntryOut(msgspec.Struct):
    index: int
    tree_size: int
    entry: dict[str, Any]
    leaf_hash: str
    inclusion_proof: list[str]
    root: str


class ConsistencyOut(msgspec.Struct):
    first: int
    second: int
    first_root: str
    second_root: str
    consistency_proof: list[str]


class TimelineOut(msgspec.Struct):
    case_id: UUID
    tree_size: int
    root: str
    checkpoint: str
    entries: list[EntryOut]


def entry_out(platform: Platform, index: int, size: int) -> EntryOut:
    store = platform.audit.store
    leaf = store.leaf(index)
    if leaf is None or not 0 <= index < size:
        raise NotFound(str(index))
    return EntryOut(
        index=index,
        tree_size=size,
        entry=leaf.fields,
        leaf_hash=leaf.hash.hex(),
        inclusion_proof=[h.hex() for h in platform.audit.inclusion(index, size)],
        root=store.root(size).hex(),
    )


def _size(platform: Platform, size: int | None) -> int:
    current = platform.audit.store.size()
    if size is None:
        return current
    if not 0 < size <= current:
        raise NotFound(f"tree size {size}")
    return size


@get(
    "/checkpoint",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="The latest signed checkpoint",
    description="C2SP tlog-checkpoint signed note: the log's signature and the cosignatures "
    "(cosignature/v1) of the witnesses that checked it; the newest one the quorum cosigned.",
    media_type="text/plain; charset=utf-8",
)
def checkpoint(platform: NamedDependency[Platform]) -> Response[str]:
    return Response(platform.audit.latest(), media_type="text/plain; charset=utf-8")


@get(
    "/keys",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="Published verifier keys",
    description="signed-note verifier keys (name+keyid+base64) of the log (type 0x01) and of "
    "the witnesses (cosignature/v1, type 0x04), for the standalone verifier "
    "(domain/shared/tlog.py) and standard note clients.",
)
def keys(platform: NamedDependency[Platform]) -> dict[str, str]:
    return platform.audit.vkeys()


class LogBreakOut(msgspec.Struct):
    """A restart under a new origin from a copy behind the witnesses."""

    witnessed: str  # the old origin's checkpoint the witnesses cosigned last (note text)
    kept: int  # the entries the copy held: witnessed entries from here on were lost


class LogKeyOut(msgspec.Struct):
    vkey: str
    handover: str  # base64 Ed25519 by the key before over "tiaojie/log-key-handover\n<vkey>\n"
    restart: LogBreakOut | None = None


@get(
    "/log-keys",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="The log's keys in the order they signed",
    description="Each key after the first with its handover: the signature of the key before "
    "over `tiaojie/log-key-handover\\n<vkey>\\n`. A monitor that pinned an earlier key "
    "follows the chain to the key that signs now, checking every handover. A key named for "
    "another origin is a restart from a copy behind the witnesses (an announced break): "
    "`restart` holds the old origin's last witnessed checkpoint and the entries kept.",
)
def log_keys(platform: NamedDependency[Platform]) -> list[LogKeyOut]:
    breaks = platform.directory.log_breaks()
    return [
        LogKeyOut(v, h, LogBreakOut(*breaks[v]) if v in breaks else None)
        for v, h in platform.directory.log_key_chain()
    ]


@get(
    "/checkpoints",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="The history of checkpoints",
    description="Every stored checkpoint of at least `since` entries, oldest first, at most "
    "`limit`: what a monitor compares with the checkpoints it kept (checkpoints name no case).",
)
def checkpoints(
    platform: NamedDependency[Platform],
    since: Annotated[int, QueryParameter(ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[str]:
    found = [note for size, note in platform.audit.store.checkpoints() if size >= since]
    return found[:limit]


def _tile(platform: Platform, path: str, *, entries: bool) -> Response[bytes]:
    """A hash tile, or (with `entries`) an entry bundle too; 404 for what the tree lacks."""
    try:
        tile = TilePath.parse(path.lstrip("/"))
    except ValueError:
        raise NotFound(path) from None
    if tile.level is None and not entries:
        raise NotFound(path)
    store = platform.audit.store
    found = entry_bundle(store, tile) if tile.level is None else hash_tile(store, tile)
    if found is None:
        raise NotFound(path)
    return Response(found, media_type="application/octet-stream", headers=TILE_HEADERS)


TILE_HEADERS = {"cache-control": "public, max-age=31536000, immutable"}
TILE_CACHE_SECONDS = 3600


@get(
    "/tile/{path:path}",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="A hash tile (C2SP tlog-tiles, public prefix /api/audit)",
    description="`tile/<L>/<N>[.p/<W>]`: up to 256 hashes of one level, each the root of "
    "256**L leaves; public and immutable, so anyone can recompute roots and proofs. Entry "
    "bundles are served under the monitors' prefix.",
    media_type="application/octet-stream",
    cache=TILE_CACHE_SECONDS,  # immutable: kept in the response cache (only 200s are kept)
)
def public_tile(path: FromPath[str], platform: NamedDependency[Platform]) -> Response[bytes]:
    return _tile(platform, path, entries=False)


@get(
    "/monitor/tile/{path:path}",
    sync_to_thread=True,
    summary="Tiles and entry bundles (C2SP tlog-tiles, monitors' prefix /api/audit/monitor)",
    description="`tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]` (uint16 length-prefixed "
    "JSON entries), for the monitors and auditors of the deployment's institutions: an entry "
    "says who acted on which case.",
    media_type="application/octet-stream",
)
def monitor_tile(
    request: AuthRequest, path: FromPath[str], platform: NamedDependency[Platform]
) -> Response[bytes]:
    if not access.reads_audit_metadata(request.user, platform.center.config.deployment):
        raise NotFound(path)
    return _tile(platform, path, entries=True)


@get(
    "/consistency",
    exclude_from_auth=True,
    sync_to_thread=True,
    summary="A consistency proof between two tree sizes",
    description="Proves the tree of `first` leaves is a prefix of the tree of `second`.",
)
def consistency(
    platform: NamedDependency[Platform],
    first: Annotated[int, QueryParameter(ge=1, le=MAX_INDEX)],
    second: Annotated[int, QueryParameter(ge=1, le=MAX_INDEX)],
) -> ConsistencyOut:
    if first > second:
        raise InvalidValue("first", "must not exceed second")
    second = _size(platform, second)
    store = platform.audit.store
    return ConsistencyOut(
        first,
        second,
        store.root(first).hex(),
        store.root(second).hex(),
        [h.hex() for h in platform.audit.consistency(first, second)],
    )


@get(
    "/entries/{index:int}",
    sync_to_thread=True,
    summary="One entry with its inclusion proof",
    description="Auditors, judges, clerks and prosecutors read every entry's metadata; others "
    "only entries of cases they may see.",
)
def entry(
    request: AuthRequest,
    index: Annotated[int, PathParameter(ge=0, le=MAX_INDEX)],
    platform: NamedDependency[Platform],
    size: Annotated[int | None, QueryParameter(ge=1, le=MAX_INDEX)] = None,
) -> EntryOut:
    found = entry_out(platform, index, _size(platform, size))
    if not access.reads_audit_metadata(request.user, platform.center.config.deployment):
        platform.center.case(UUID(found.entry["aggregate_id"]), request.user)  # 404 if not
    return found


@get(
    "/cases/{case_id:uuid}",
    sync_to_thread=True,
    summary="A case's audit timeline",
    description="Every entry about the case across institutions (the case, its agreements, "
    "the court's confirmation, litigation and enforcement, the notarial matters on its "
    "agreements, its video sessions), each with its inclusion proof against the latest "
    "checkpoint.",
)
def timeline(
    request: AuthRequest, case_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> TimelineOut:
    case = (
        platform.center.file_of(case_id)
        if access.reads_audit_metadata(request.user, platform.center.config.deployment)
        else platform.center.case(case_id, request.user)
    )
    related = case_aggregates(platform.center, platform.notary, case.id)
    note = platform.audit.latest()
    size = int(note.split("\n")[1])
    leaves = case_leaves(platform.audit.store, related, size)
    return TimelineOut(
        case_id=case.id,
        tree_size=size,
        root=platform.audit.store.root(size).hex(),
        checkpoint=note,
        entries=[entry_out(platform, leaf.index, size) for leaf in leaves],
    )


def audit_router() -> Router:
    return Router(
        "/api/audit",
        route_handlers=[
            checkpoint,
            checkpoints,
            keys,
            log_keys,
            public_tile,
            monitor_tile,
            consistency,
            entry,
            timeline,
        ],
        tags=["audit"],
    )
