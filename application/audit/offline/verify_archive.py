"""Verify a tiaojie case archive offline: `python -I verify_archive.py ARCHIVE.zip` (or a folder
the archive was unpacked into). Needs Python 3.11+ and the `cryptography` package; uses the
standalone verifier `tlog.py` shipped beside this script.

Checked: the checkpoint is signed by the log and cosigned by the quorum of witnesses (keys as
listed in the archive; compare them with the keys you pinned); every entry's stored event hashes
to the entry's event_sha256 and names the same aggregate, version and topic; every entry is in
the checkpoint's tree (inclusion proof); every document and recording matches its SHA-256.
Exit 0 when all of it holds; otherwise exit 1 naming the first problem.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path

if __name__ == "__main__":  # python -I does not look beside the script by itself
    sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    import tlog  # the copy in the archive
except ImportError:  # imported inside the project
    from domain.shared import tlog


class Refused(Exception):
    pass


def _reader(archive: Path):  # type: ignore[no-untyped-def]
    if archive.is_dir():
        return lambda name: (archive / name).read_bytes()
    bundle = zipfile.ZipFile(archive)
    return bundle.read


def verify(archive: Path) -> str:
    read = _reader(archive)
    manifest = json.loads(read("manifest.json"))
    keys = manifest["keys"]
    log = tlog.Verifier.parse(keys["log"])
    try:
        checkpoint = tlog.verify_note(manifest["checkpoint"], log)
    except ValueError as error:
        raise Refused(f"the checkpoint: {error}") from None
    cosigned = []
    for name, vkey in keys.items():
        if name == "log":
            continue
        try:
            tlog.verify_cosignature(manifest["checkpoint"], tlog.Verifier.parse(vkey))
        except ValueError:
            continue
        cosigned.append(name)
    if len(cosigned) < manifest["quorum"]:
        raise Refused(
            f"the checkpoint has {len(cosigned)} cosignatures; {manifest['quorum']} needed"
        )
    for item in manifest["entries"]:
        record = item["record"]
        state = base64.b64decode(record["state"])
        head = f"{record['originator_id']}\n{record['originator_version']}\n{record['topic']}\n"
        digest = hashlib.sha256(head.encode() + state).hexdigest()
        entry = json.loads(item["entry"])
        if digest != entry["event_sha256"]:
            raise Refused(f"entry {item['index']}: the stored event does not hash to the entry")
        named = (entry["aggregate_version"], entry["topic"])
        if named != (record["originator_version"], record["topic"]):
            raise Refused(f"entry {item['index']}: the stored event is another one")
        proof = [bytes.fromhex(h) for h in item["inclusion_proof"]]
        leaf = tlog.leaf_hash(item["entry"].encode())
        if not tlog.verify_inclusion(leaf, item["index"], checkpoint.size, proof, checkpoint.root):
            raise Refused(f"entry {item['index']}: not in the checkpoint's tree")
    for document in manifest["documents"]:
        if hashlib.sha256(read(document["file"])).hexdigest() != document["sha256"]:
            raise Refused(f"{document['file']}: its SHA-256 differs from the recorded one")
    return (
        f"verified: case {manifest['case_id']}, {len(manifest['entries'])} entries in the tree "
        f"of {checkpoint.size} ({checkpoint.origin}), cosigned by {', '.join(cosigned)}; "
        f"{len(manifest['documents'])} documents match"
    )


if __name__ == "__main__":
    try:
        print(verify(Path(sys.argv[1])))
    except (Refused, KeyError, ValueError) as problem:
        print(f"NOT verified: {problem}", file=sys.stderr)
        sys.exit(1)
