"""The witness as a process: `python -m witness init|serve|vkey` (also `tiaojie witness ...`),
and the monitor: `python -m witness monitor PREFIX --state DIR --keys FILE`.

HTTP (C2SP tlog-witness, submission and monitoring prefix the same):
  POST /add-checkpoint   body: `old N`, up to 63 base64 proof lines, a blank line, the checkpoint
                         200 text/plain: the cosignature/v1 line · 400 malformed · 403 no valid
                         signature by the log · 404 unknown log · 409 text/x.tlog.size: the size
                         the witness holds · 422 the proof or the roots do not hold
  GET  /checkpoint?origin=O   (this project's) the latest checkpoint the witness cosigned for the
                         log, with its cosignature: what monitors and `tiaojie audit verify` compare
  GET  /vkey             the witness's public key in the cosignature/v1 vkey form
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from litestar import Litestar, Response, get, post
from litestar.params import FromQuery

from domain.shared import tlog
from witness.monitor import Pins, monitor
from witness.protocol import Refused, Witness
from witness.state import WitnessState

KEY_FILE = "witness-key.pem"
STATE_FILE = "state.sqlite"


def create_key(directory: Path) -> Ed25519PrivateKey:
    """A new key in the witness's own directory; an existing key is never replaced."""
    path = directory / KEY_FILE
    directory.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return load_key(directory)
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    path.chmod(0o600)
    return key


def load_key(directory: Path) -> Ed25519PrivateKey:
    path = directory / KEY_FILE
    if not path.exists():
        msg = f"no witness key in {directory}: run `python -m witness init` first"
        raise SystemExit(msg)
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        msg = f"{path} is not an Ed25519 key"
        raise SystemExit(msg)
    return loaded


def create_app(witness: Witness) -> Litestar:
    @post("/add-checkpoint", status_code=200, sync_to_thread=True)
    def add_checkpoint(body: bytes) -> Response[str]:
        try:
            line = witness.add_checkpoint(body)
        except Refused as refused:
            return Response(
                refused.detail, status_code=refused.status, media_type=refused.content_type
            )
        return Response(line, media_type="text/plain; charset=utf-8")

    @get("/checkpoint", sync_to_thread=True)
    def checkpoint(origin: FromQuery[str]) -> Response[str]:
        note = witness.latest(origin)
        if note is None:
            return Response("no checkpoint of that log\n", status_code=404, media_type="text/plain")
        return Response(note, media_type="text/plain; charset=utf-8")

    @get("/vkey")
    async def vkey() -> Response[str]:
        return Response(witness.vkey + "\n", media_type="text/plain")

    return Litestar(route_handlers=[add_checkpoint, checkpoint, vkey], debug=False)


def build(directory: Path, name: str, logs: Sequence[str]) -> Witness:
    trusted: dict[str, list[tlog.Verifier]] = {}
    for vkey in logs:
        verifier = tlog.Verifier.parse(vkey)
        trusted.setdefault(verifier.name, []).append(verifier)
    return Witness(
        name, load_key(directory), trusted, WitnessState(directory / STATE_FILE), time.time
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="witness", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the witness's key (once) and print its vkey")
    serve = sub.add_parser("serve", help="serve add-checkpoint and checkpoint over HTTP")
    show = sub.add_parser("vkey", help="print the witness's vkey")
    for each in (init, serve, show):  # the monitor needs neither
        each.add_argument("--data", type=Path, required=True, help="the witness's own directory")
        each.add_argument("--name", required=True, help="its key name, e.g. example.org/witness")
    serve.add_argument("--log", action="append", required=True, help="a log's vkey it witnesses")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8101)
    watch = sub.add_parser("monitor", help="check the log from its tiles against what you kept")
    watch.add_argument("prefix", help="the log's public prefix, e.g. https://host/api/audit")
    watch.add_argument("--state", type=Path, required=True, help="this monitor's directory")
    watch.add_argument("--keys", type=Path, required=True, help="pinned keys (JSON of /keys)")
    watch.add_argument("--quorum", type=int, help="witnesses that must cosign (default 3)")
    watch.add_argument(
        "--peer", type=Path, action="append", default=[], help="a checkpoint another monitor kept"
    )
    args = parser.parse_args(argv)
    if args.command == "monitor":
        problems = monitor(args.prefix, args.state, Pins.load(args.keys, args.quorum), args.peer)
        for problem in problems:
            print(f"audit monitor: {problem}", file=sys.stderr)
        if not problems:
            print(f"audit monitor: {args.prefix} checks out", flush=True)
        return 1 if problems else 0
    if args.command == "init":
        print(tlog.cosigner_key(args.name, create_key(args.data).public_key()))
        return 0
    if args.command == "vkey":
        print(tlog.cosigner_key(args.name, load_key(args.data).public_key()))
        return 0
    witness = build(args.data, args.name, args.log)
    print(f"witness {witness.vkey} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(witness), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
