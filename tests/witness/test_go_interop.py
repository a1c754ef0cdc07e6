"""Interoperability: Go's golang.org/x/mod sumdb/note and tlog packages (Debian's
golang-golang-x-mod-dev) verify the log's signed checkpoint, ignoring the witnesses'
cosignature lines they do not know, the log's inclusion and consistency proofs, and its public
hash tiles read over HTTP through an adapter for Go's tile/H/L/N paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from application.bootstrap import Platform
from application.shared.clock import ManualClock
from tests.conftest import make_platform, missing, settings_for
from tests.support.data import AGENT, drive, filing
from tests.support.server import running_server
from tests.support.witnesses import WitnessPool

PROGRAM = Path(__file__).parent / "go" / "verify.go"
TILES = Path(__file__).parent / "go" / "tiles.go"
GOPATH = Path("/usr/share/gocode")


def go_or_skip() -> str | None:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/note").exists():
        missing("Go", "install Debian's golang-go and golang-golang-x-mod-dev")
        return None
    return go


def run_go(go: str, program: Path, query: dict[str, Any], cache: Path) -> Any:
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(cache),
        "GOFLAGS": "",
    }
    return subprocess.run(
        [go, "run", str(program)],
        input=json.dumps(query),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_go_verifies_the_checkpoint_and_proofs(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool
) -> None:
    go = go_or_skip()
    if go is None:
        return
    platform = make_platform(settings_for("sqlite", tmp_path, **witnesses.env(tmp_path)), clock)
    try:
        for state in ("settled", "failed"):
            drive(platform.center, clock, state)
        platform.catch_up()
        log = platform.audit
        note = log.latest()
        size = int(note.split("\n")[1])
        index, first = size * 2 // 3, size // 3
        leaf = log.store.leaf(index)
        assert leaf is not None and log.cosignatures(note) == 4
        query = {
            "note": note,
            "log_key": log.vkeys()["log"],
            "index": index,
            "leaf": leaf.hash.hex(),
            "inclusion": [h.hex() for h in log.inclusion(index, size)],
            "first": first,
            "first_root": log.store.root(first).hex(),
            "consistency": [h.hex() for h in log.consistency(first, size)],
        }
    finally:
        platform.close()
    run = run_go(go, PROGRAM, query, tmp_path / "go-cache")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok 1 verified signature(s), 4 other(s)"), run.stdout
    query["first_root"] = "00" * 32  # a forged earlier root is refused
    forged = run_go(go, PROGRAM, query, tmp_path / "go-cache")
    assert forged.returncode == 1 and "consistency" in forged.stdout


def _quiet(platform: Platform) -> int:
    """The log's size once every follower (the server's own threads too) is at its source's
    last event, everything is logged and the checkpoint covers it."""
    give_up = time.monotonic() + 120
    while True:
        platform.catch_up()
        size = int(platform.audit.latest().split("\n")[1])
        left = [
            f
            for f in platform.followers
            if f.app.recorder.select_notifications(f.position + 1, 1, topics=f.topics)
        ]
        if not left and size == platform.audit.store.size():
            return size
        assert time.monotonic() < give_up, "the followers never caught up"


def test_go_checks_the_public_hash_tiles_over_http(tmp_path: Path) -> None:
    """Enough leaves for full and partial tiles on two tile levels (over 256 hashes)."""
    go = go_or_skip()
    if go is None:
        return
    with running_server(tmp_path / "server", TIAOJIE_MEDIA_WORKERS="0") as server:
        platform = server.platform
        platform.center.file_bulk(AGENT, [filing() for _ in range(300)])
        size = _quiet(platform)
        assert size > 256
        index = size - 7
        leaf = platform.audit.store.leaf(index)
        assert leaf is not None
        query: dict[str, Any] = {
            "base": f"{server.base}/api/audit",
            "log_key": platform.audit.vkeys()["log"],
            "index": index,
            "leaf": leaf.hash.hex(),
            "corrupt": False,
        }
        checked = run_go(go, TILES, query, tmp_path / "go-cache")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith(f"ok tiles of {size} leaves"), checked.stdout
        query["corrupt"] = True  # one changed byte in a tile: Go's own check refuses it
        refused = run_go(go, TILES, query, tmp_path / "go-cache")
        assert refused.returncode == 1 and "tiles" in refused.stdout, refused.stdout
