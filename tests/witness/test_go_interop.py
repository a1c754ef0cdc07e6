"""Interoperability: Go's golang.org/x/mod sumdb/note and tlog packages (Debian's
golang-golang-x-mod-dev) verify the log's signed checkpoint, ignoring the witnesses'
cosignature lines they do not know, and the log's inclusion and consistency proofs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from application.shared.clock import ManualClock
from tests.conftest import make_platform, missing, settings_for
from tests.support.data import drive
from tests.support.witnesses import WitnessPool

PROGRAM = Path(__file__).parent / "go" / "verify.go"
GOPATH = Path("/usr/share/gocode")


def test_go_verifies_the_checkpoint_and_proofs(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool
) -> None:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/note").exists():
        missing("Go", "install Debian's golang-go and golang-golang-x-mod-dev")
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
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(tmp_path / "go-cache"),
        "GOFLAGS": "",
    }
    run = subprocess.run(
        [go, "run", str(PROGRAM)],
        input=json.dumps(query),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok 1 verified signature(s), 4 other(s)"), run.stdout
    query["first_root"] = "00" * 32  # a forged earlier root is refused
    forged = subprocess.run(
        [go, "run", str(PROGRAM)],
        input=json.dumps(query),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert forged.returncode == 1 and "consistency" in forged.stdout
