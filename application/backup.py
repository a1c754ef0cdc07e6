"""`tiaojie backup DIR` and `tiaojie restore DIR`: the stores, the documents, the recordings and
the keys, taken while the server runs and put back only where the log can go on.

SQLite stores are copied with SQLite's online backup API (a consistent copy while writers
work); PostgreSQL is dumped with `pg_dump` (the deployment's schema, custom format) beside the
files. A restore is checked before it replaces anything: its audit trail must verify against
its own checkpoints, and when the deployment's witnesses hold a larger tree the copy is behind
what they cosigned: continuing the same log from it would fork it, so the restore refuses and
says by how much (restore a newer backup instead).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from application.bootstrap import Platform, build_platform
from application.shared.settings import Settings
from domain.shared import tlog

MANIFEST = "tiaojie-backup.json"


class RestoreRefused(Exception):
    """The backup cannot be restored as it is; the message says why and what to do."""


def _folders(settings: Settings) -> dict[str, Path]:
    """What a backup holds beside the stores: documents, recordings and keys."""
    data = settings.data_dir
    return {
        "documents": data / "documents",
        "evidence": settings.evidence_dir or data / "evidence",
        "keys": settings.keys_dir or data / "keys",
        "pki": settings.pki_dir or data / "pki",
    }


@dataclass(frozen=True)
class Manifest:
    """What a backup holds (written beside it as tiaojie-backup.json)."""

    taken_at: str
    backend: str
    stores: list[str]
    log_origin: str
    log_size: int


def backup(platform: Platform, target: Path) -> Manifest:
    """Copy everything a deployment needs into `target` (which must not exist); its manifest."""
    settings = platform.settings
    target.mkdir(parents=True)
    stores = []
    if settings.uses_postgres:
        address = settings.postgres()
        dump = target / "postgres.dump"
        subprocess.run(  # noqa: S603 (the operator's own pg_dump on its configured database)
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                f"--schema={settings.postgres_schema}",
                f"--file={dump}",
                f"--host={address.host}",
                f"--port={address.port}",
                f"--username={address.user}",
                address.dbname,
            ],
            check=True,
            env={"PGPASSWORD": address.password, "PATH": "/usr/bin:/bin"},
        )
        stores.append(dump.name)
    else:
        for store in sorted(settings.data_dir.glob("*.sqlite")):
            with sqlite3.connect(store) as source, sqlite3.connect(target / store.name) as copy:
                source.backup(copy)
            stores.append(store.name)
    for name, folder in _folders(settings).items():
        if folder.exists():
            shutil.copytree(folder, target / name)
    secret = settings.data_dir / "jwt-secret.key"
    if secret.exists():
        shutil.copy2(secret, target / secret.name)
    manifest = Manifest(
        taken_at=datetime.now(UTC).isoformat(),
        backend="postgresql" if settings.uses_postgres else "sqlite",
        stores=stores,
        log_origin=settings.log_origin,
        log_size=platform.audit.store.size(),
    )
    (target / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


@dataclass(frozen=True)
class Restored:
    log_size: int
    witnessed: int  # the largest tree a witness holds (0: none asked or none holds one)
    restarted_as: str | None = None  # the new origin, when the copy was behind the witnesses


class Behind(RestoreRefused):
    """The copy holds fewer entries than a checkpoint the witnesses cosigned."""

    def __init__(self, message: str, note: str) -> None:
        super().__init__(message)
        self.note = note  # that checkpoint, as the witness holds it


def check_restorable(settings: Settings) -> Restored:
    """Verify a copy laid out under `settings` and compare it with the witnesses' trees."""
    from application.audit.verify import Tampered, verify

    platform = build_platform(settings)
    try:
        size = platform.audit.store.size()
        try:
            verify(platform.audit.store, platform.audit, platform.audit_sources(), witnesses=False)
        except Tampered as tampered:
            msg = f"the backup does not verify: {tampered}"
            raise RestoreRefused(msg) from None
        held = []
        for witness in platform.audit.witnesses:
            try:
                note = witness.held(platform.audit.origin)
            except OSError:
                continue
            if note is not None:
                held.append(note)
        witnessed = max((int(note.split("\n")[1]) for note in held), default=0)
        if witnessed > size:
            # the checkpoint with the cosignatures of every witness that holds it
            try:
                latest = tlog.merge_notes([n for n in held if n.split("\n")[1] == str(witnessed)])
            except ValueError:
                msg = f"the witnesses hold different trees of {witnessed} entries: a split view"
                raise RestoreRefused(msg) from None
            msg = (
                f"the witnesses cosigned {witnessed} entries of {settings.log_origin}; this "
                f"backup holds {size}: it is {witnessed - size} entries behind, and going on "
                "from it would fork the log. Restore a newer backup, or go on under a new "
                "origin (`tiaojie restore --new-origin NAME`: an announced break)."
            )
            raise Behind(msg, latest)
        return Restored(size, witnessed)
    finally:
        platform.close()


def restore(source: Path, settings: Settings, new_origin: str | None = None) -> Restored:
    """Lay a SQLite backup out in a staging folder beside the data directory, check it, then
    move it into place (the data directory must hold no stores). A copy behind the witnesses
    is refused, unless `new_origin` is given: the log then goes on under that origin, its
    first entry recording the old origin's last witnessed checkpoint and the gap. PostgreSQL
    dumps are restored with `pg_restore` by the operator (see README), then checked with
    `tiaojie audit verify`."""
    manifest = json.loads((source / MANIFEST).read_text())
    if manifest["backend"] != "sqlite":
        msg = "a PostgreSQL backup is restored with pg_restore (README: Running in production)"
        raise RestoreRefused(msg)
    data = settings.data_dir
    if any(data.glob("*.sqlite")):
        msg = f"{data} holds stores already: restore into an empty data directory"
        raise RestoreRefused(msg)
    if new_origin is not None and new_origin == settings.log_origin:
        msg = f"the new origin must differ from the log's ({settings.log_origin})"
        raise RestoreRefused(msg)
    staging = data.with_name(data.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for store in manifest["stores"]:
        shutil.copy2(source / store, staging / store)
    for name in ("documents", "evidence", "keys", "pki"):
        if (source / name).exists():
            shutil.copytree(source / name, staging / name)
    if (source / "jwt-secret.key").exists():
        shutil.copy2(source / "jwt-secret.key", staging / "jwt-secret.key")
    staged = Settings.from_env(
        {
            "TIAOJIE_DATA_DIR": str(staging),
            "TIAOJIE_LOG_ORIGIN": settings.log_origin,
            "TIAOJIE_WITNESSES": "; ".join(f"{w.url} {w.vkey}" for w in settings.witnesses),
        }
    )
    lost = ""
    try:
        restored = check_restorable(staged)
    except Behind as behind:
        if new_origin is None:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        lost = behind.note
    except RestoreRefused:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    data.mkdir(parents=True, exist_ok=True)
    folders = _folders(settings)
    for item in staging.iterdir():
        destination = folders.get(item.name, data / item.name)
        if destination.is_dir():
            shutil.rmtree(destination)
        elif destination.exists():
            destination.unlink()
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(item, destination)
    staging.rmdir()
    if not lost or new_origin is None:
        return restored
    return _restart(settings, new_origin, lost)


def _restart(settings: Settings, origin: str, lost: str) -> Restored:
    """The restored log goes on under `origin`: the break recorded, logged, then signed."""
    platform = build_platform(replace(settings, log_origin=origin))
    try:
        kept = platform.audit.store.size()
        platform.audit.origin = settings.log_origin  # the key in use is the old origin's
        platform.audit.restart(origin, lost)
        platform.catch_up()  # the break becomes an entry; the new origin signs the tree
        return Restored(kept, int(lost.split("\n")[1]), origin)
    finally:
        platform.close()
