"""The `tiaojie` command."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from application.shared.errors import AlreadyExists
from application.shared.persistence import DataFileUnusable
from application.shared.settings import Settings, SettingsError
from application.wiring import FOLLOWERS
from domain.shared.errors import InvalidValue


def _platform(clock: ManualClock | None = None) -> Platform:
    settings = Settings.from_env()
    return build_platform(settings, clock) if clock else build_platform(settings)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    if args.demo:
        cmd_demo(args)
    settings = Settings.from_env().serving_at(args.host, args.port)
    app = create_app(settings=settings)
    for advice in app.state.platform.missing_institutions().values():
        print(f"warning: {advice} (`tiaojie institutions add`)", file=sys.stderr, flush=True)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again under the handler
    # it found: with this one the process then ends with 0, as a supervisor expects of a stop.
    signal.signal(signal.SIGTERM, lambda *_: None)
    app.state.exit_code = 0
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # X-Forwarded-For counts only from the configured proxies (rate limits key on it)
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=5,  # open pages' event streams must not hold a restart
    )
    return int(app.state.exit_code)


def cmd_demo(_args: argparse.Namespace) -> int:
    from application.demo import DEMO_PASSWORD, USERS, load_demo

    clock = ManualClock(datetime.now(UTC) - timedelta(days=25))
    platform = _platform(clock)
    try:
        report = load_demo(platform, clock)
        platform.catch_up()
    finally:
        platform.close()
    print(
        f"demo: {report.institutions_added} institutions, {report.users_added} accounts and "
        f"{report.cases_added} cases added (existing ones kept)"
    )
    print(f"accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, _, _, shown in USERS:
        print(f"  {username:<14} {role:<16} {shown}")
    return 0


def cmd_institutions_add(args: argparse.Namespace) -> int:
    platform = _platform()
    try:
        institution = platform.directory.add_institution(
            args.code, args.kind, args.name, args.docket_prefix
        )
    finally:
        platform.close()
    print(f"added {institution.kind} {institution.code} {institution.name}")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise InvalidValue("password", "the two entries differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    password = _read_password()
    platform = _platform()
    try:
        user = platform.directory.add_user(
            args.name, password, args.role, args.institution, args.id_number, args.display_name
        )
    finally:
        platform.close()
    print(
        f"added {user.role} {user.username}"
        + (f" of {user.institution}" if user.institution else "")
    )
    return 0


def cmd_calendar_load(args: argparse.Namespace) -> int:
    try:
        raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
        year = int(raw["year"])
        holidays = [date.fromisoformat(d) for d in raw.get("holidays", [])]
        working_days = [date.fromisoformat(d) for d in raw.get("working_days", [])]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(
            f"error: {args.file}: expected JSON {{year, holidays, working_days}}: {error}",
            file=sys.stderr,
        )
        return 2
    platform = _platform()
    try:
        moved = platform.load_calendar(year, holidays, working_days)
    finally:
        platform.close()
    print(
        f"loaded {year}: {len(holidays)} holidays, {len(working_days)} adjusted working days; "
        f"{moved} case deadline(s) recomputed"
    )
    return 0


def cmd_projections_rebuild(_: argparse.Namespace) -> int:
    from rich.progress import Progress

    platform = _platform()
    try:
        total = platform.center.recorder.max_notification_id() or 0
        platform.case_list.view.reset(platform.center.name)
        with Progress() as progress:
            task = progress.add_task("case list", total=total)
            count = platform.follower("case-list").catch_up(lambda n: progress.advance(task, n))
    finally:
        platform.close()
    print(f"case list rebuilt from {count} events")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run followers in a process of their own (PostgreSQL): the case-list and timer read
    models, the court's docketing of failed mediations and the outcomes it reports back, the
    outbox, invitations and the audit log, and the scheduler. Several workers may run at once;
    tracking makes each event count once."""
    settings = Settings.from_env()
    if not settings.uses_postgres:
        print(
            "error: a separate worker needs PostgreSQL (SQLite cannot be followed from "
            "another process; the server runs the followers itself)",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()  # a SIGTERM while the stores open stops cleanly too
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    platform = build_platform(settings)
    followers = (
        platform.followers
        if args.only is None
        else [f for f in platform.followers if f.name in args.only]
    )
    for follower in followers:
        follower.start()
    if args.only is None:
        platform.scheduler.start()
    print(f"following: {', '.join(f.name for f in followers)}; Ctrl-C or SIGTERM stops", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        platform.close()
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from application.audit.log import LogKeyRefused
    from application.audit.verify import Tampered, verify
    from application.shared.pseudonyms import PseudonymKeyRefused

    platform = _platform()
    try:
        kept = [path.read_text() for path in args.checkpoint]
        pinned = json.loads(args.keys.read_text()) if args.keys else None
        count = verify(
            platform.audit.store, platform.audit, platform.audit_sources(), kept=kept, pinned=pinned
        )
    except (Tampered, LogKeyRefused, PseudonymKeyRefused) as problem:
        print(f"audit verify FAILED: {problem}", file=sys.stderr)
        return 1
    finally:
        platform.close()
    print(
        f"audit verify: {count} leaves recomputed from the stored events, the tree, every "
        "checkpoint (signature, root, consistency), every snapshot and the checkpoint each "
        "witness holds check out"
    )
    return 0


def cmd_audit_log_key(_args: argparse.Namespace) -> int:
    """The log's vkey (made for a log that has signed nothing yet): what witnesses trust."""
    platform = _platform()
    try:
        print(platform.audit.vkeys()["log"])
    finally:
        platform.close()
    return 0


def cmd_audit_rotate_key(_args: argparse.Namespace) -> int:
    """Hand the log over to a new key, as an entry of the log; the old private key is gone."""
    from application.audit.log import LogKeyRefused

    platform = _platform()
    try:
        vkey = platform.rotate_log_key()
    except LogKeyRefused as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    finally:
        platform.close()
    print(
        f"the log now signs with {vkey}\n"
        "Each witness cosigns it once its operator adds it (`--log` beside the old key); "
        "monitors pin it in place of the old one.",
        flush=True,
    )
    return 0


def cmd_audit_export_case(args: argparse.Namespace) -> int:
    from application.audit.archive import export_case

    platform = _platform()
    try:
        platform.catch_up()
        count = export_case(
            platform.audit,
            platform.audit_sources(),
            platform.center,
            platform.notary,
            args.case_id,
            args.out,
        )
    finally:
        platform.close()
    print(f"{args.out}: {count} entries; verify with `python3 -I verify_archive.py {args.out}`")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from application.backup import backup

    platform = _platform()
    try:
        platform.catch_up()  # the trail as far as the stores go, checkpointed
        manifest = backup(platform, args.target)
    finally:
        platform.close()
    stores = ", ".join(manifest.stores)
    print(f"{args.target}: {stores}; an audit log of {manifest.log_size} entries")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from application.backup import RestoreRefused, restore

    try:
        restored = restore(args.source, Settings.from_env(), args.new_origin)
    except RestoreRefused as refused:
        print(f"restore refused: {refused}", file=sys.stderr)
        return 1
    print(
        f"restored {args.source}: a log of {restored.log_size} entries that verifies; the "
        f"witnesses hold {restored.witnessed}"
    )
    if restored.restarted_as:
        print(
            f"the log goes on as {restored.restarted_as} ({restored.witnessed - restored.log_size}"
            f" witnessed entries lost, announced in its next entry): set TIAOJIE_LOG_ORIGIN="
            f"{restored.restarted_as}, and have each witness's operator add the log's new vkey"
            " (`tiaojie audit log-key`)"
        )
    return 0


def cmd_witness(args: argparse.Namespace) -> int:
    from witness.server import main as witness_main

    return witness_main(args.arguments)


def cmd_audit_prove(args: argparse.Namespace) -> int:
    platform = _platform()
    try:
        store, log = platform.audit.store, platform.audit
        size = args.size or store.size()
        leaf = store.leaf(args.index)
        if leaf is None or not 0 <= args.index < size:
            print(f"error: no entry {args.index} in a log of {size}", file=sys.stderr)
            return 2
        proof = {
            "index": args.index,
            "tree_size": size,
            "entry": leaf.entry,
            "leaf_hash": leaf.hash.hex(),
            "inclusion_proof": [h.hex() for h in log.inclusion(args.index, size)],
            "root": store.root(size).hex(),
            "checkpoint": next((note for s, note in store.checkpoints() if s == size), None),
            "verifier_keys": log.vkeys(),
        }
    finally:
        platform.close()
    print(json.dumps(proof, ensure_ascii=False, indent=2))
    return 0


def _audit_parsers(audit: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = audit.add_parser("verify", help="recompute and check the whole audit trail")
    check.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a checkpoint kept outside the server (a monitor's): the log must still extend it",
    )
    check.add_argument(
        "--keys",
        type=Path,
        help="pinned keys (the JSON of /api/audit/keys kept earlier): the log must use them",
    )
    check.set_defaults(run=cmd_audit_verify)
    prove = audit.add_parser("prove", help="print one entry with its inclusion proof")
    prove.add_argument("index", type=int)
    prove.add_argument("--size", type=int, help="tree size (default: the latest)")
    prove.set_defaults(run=cmd_audit_prove)
    export = audit.add_parser("export-case", help="one case's evidence, verifiable offline")
    export.add_argument("case_id", type=UUID)
    export.add_argument("--out", type=Path, required=True, help="the archive (.zip) to write")
    export.set_defaults(run=cmd_audit_export_case)
    audit.add_parser(
        "rotate-key", help="hand the log over to a new key (recorded in the log)"
    ).set_defaults(run=cmd_audit_rotate_key)
    audit.add_parser("log-key", help="print the log's vkey (what witnesses trust)").set_defaults(
        run=cmd_audit_log_key
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tiaojie",
        description="Online financial dispute "
        "resolution: mediation center, court, procuratorate, notary.",
    )
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="load demo data first (idempotent)")
    serve.set_defaults(run=cmd_serve)

    sub.add_parser("demo", help="load demo institutions, accounts and cases").set_defaults(
        run=cmd_demo
    )

    institutions = sub.add_parser("institutions").add_subparsers(dest="sub", required=True)
    add_inst = institutions.add_parser("add", help="register an institution")
    add_inst.add_argument("code", help="unified social credit code")
    add_inst.add_argument("--kind", required=True)
    add_inst.add_argument("--name", required=True)
    add_inst.add_argument("--docket-prefix")
    add_inst.set_defaults(run=cmd_institutions_add)

    users = sub.add_parser("users").add_subparsers(dest="sub", required=True)
    add_user = users.add_parser("add", help="create an account (password from stdin)")
    add_user.add_argument("name")
    add_user.add_argument("--role", required=True)
    add_user.add_argument("--institution")
    add_user.add_argument("--id-number")
    add_user.add_argument("--display-name")
    add_user.set_defaults(run=cmd_users_add)

    calendar = sub.add_parser("calendar").add_subparsers(dest="sub", required=True)
    load = calendar.add_parser("load", help="load an official schedule (JSON)")
    load.add_argument("file")
    load.set_defaults(run=cmd_calendar_load)

    projections = sub.add_parser("projections").add_subparsers(dest="sub", required=True)
    projections.add_parser("rebuild", help="rebuild the case list from all events").set_defaults(
        run=cmd_projections_rebuild
    )
    run = projections.add_parser("run", help="project the case list in this process (PostgreSQL)")
    run.set_defaults(run=cmd_worker, only=["case-list"])

    _audit_parsers(sub.add_parser("audit").add_subparsers(dest="sub", required=True))
    save = sub.add_parser("backup", help="stores, documents, recordings and keys into DIR")
    save.add_argument("target", type=Path)
    save.set_defaults(run=cmd_backup)
    load = sub.add_parser("restore", help="a backup into an empty data directory, checked first")
    load.add_argument("source", type=Path)
    load.add_argument(
        "--new-origin",
        metavar="NAME",
        help="when the copy is behind the witnesses, go on under this log origin (a break)",
    )
    load.set_defaults(run=cmd_restore)

    witness = sub.add_parser(
        "witness", help="an institution's witness: init, serve, vkey (python -m witness)"
    )
    witness.add_argument("arguments", nargs=argparse.REMAINDER)
    witness.set_defaults(run=cmd_witness)

    worker = sub.add_parser("worker", help="run every follower in this process (PostgreSQL)")
    worker.add_argument(
        "--only",
        action="append",
        choices=[follower.name for follower in FOLLOWERS],
        help="run this follower (repeat for more); every follower when left out",
    )
    worker.set_defaults(run=cmd_worker)
    return top


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # stores, keys, documents and evidence are the server account's alone
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (InvalidValue, AlreadyExists, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DataFileUnusable as error:
        print(f"error: {error}", file=sys.stderr)
        return os.EX_IOERR
    return code


if __name__ == "__main__":
    sys.exit(main())
