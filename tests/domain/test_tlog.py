"""The standalone verifier: RFC 6962 vectors, every proof up to 64 leaves, mutations refused,
signed checkpoints and witness cosignatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.shared import tlog

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "rfc6962.json").read_text())
LEAVES = [tlog.leaf_hash(bytes([i % 256, i // 256])) for i in range(65)]


def test_vectors() -> None:
    assert (
        tlog.leaf_hash(VECTORS["hash_leaf"]["input_ascii"].encode()).hex()
        == (VECTORS["hash_leaf"]["expected_hex"])
    )
    children = VECTORS["hash_children"]
    assert (
        tlog.node_hash(children["left_ascii"].encode(), children["right_ascii"].encode()).hex()
        == children["expected_hex"]
    )
    leaves = [tlog.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaf_inputs_hex"]]
    for size, expected in VECTORS["root_hash_by_tree_size"].items():
        assert tlog.root_hash(leaves[: int(size)]).hex() == expected


def test_every_inclusion_proof_up_to_64_leaves() -> None:
    for size in range(1, 65):
        root = tlog.root_hash(LEAVES[:size])
        for index in range(size):
            proof = tlog.inclusion_proof(index, LEAVES[:size])
            assert tlog.verify_inclusion(LEAVES[index], index, size, proof, root)


def test_every_consistency_proof_up_to_64_leaves() -> None:
    roots = [tlog.root_hash(LEAVES[:n]) for n in range(65)]
    for second in range(1, 65):
        for first in range(1, second + 1):
            proof = tlog.consistency_proof(first, LEAVES[:second])
            assert tlog.verify_consistency(first, second, roots[first], roots[second], proof)


def flipped(proof: list[bytes]) -> list[list[bytes]]:
    """Each element with one bit flipped."""
    return [
        [*proof[:i], bytes([proof[i][0] ^ 1]) + proof[i][1:], *proof[i + 1 :]]
        for i in range(len(proof))
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 32, 33, 63, 64])
def test_mutated_inclusion_proofs_are_refused(size: int) -> None:
    root = tlog.root_hash(LEAVES[:size])
    other_root = tlog.root_hash(LEAVES[: size - 1]) if size > 1 else b"\x00" * 32
    for index in range(size):
        proof = tlog.inclusion_proof(index, LEAVES[:size])
        leaf = LEAVES[index]
        assert not tlog.verify_inclusion(leaf, index + 1, size, proof, root)  # wrong index
        if index:
            assert not tlog.verify_inclusion(leaf, index - 1, size, proof, root)
        # A wrong size, with that size's own root (a size is bound to its root by the
        # signed checkpoint, so that is the claim a forger would have to pass).
        bigger = tlog.root_hash(LEAVES[: size + 1])
        assert not tlog.verify_inclusion(leaf, index, size + 1, proof, bigger)
        if size > 1 and index < size - 1:
            smaller = tlog.root_hash(LEAVES[: size - 1])
            assert not tlog.verify_inclusion(leaf, index, size - 1, proof, smaller)
        for bad in flipped(proof):
            assert not tlog.verify_inclusion(leaf, index, size, bad, root)
        if proof:
            assert not tlog.verify_inclusion(leaf, index, size, proof[:-1], root)  # truncated
        assert not tlog.verify_inclusion(leaf, index, size, [*proof, root], root)  # extended
        assert not tlog.verify_inclusion(leaf, index, size, proof, other_root)


@pytest.mark.parametrize("second", [2, 3, 5, 8, 13, 32, 33, 64])
def test_mutated_consistency_proofs_are_refused(second: int) -> None:
    roots = [tlog.root_hash(LEAVES[:n]) for n in range(66)]
    for first in range(1, second):
        proof = tlog.consistency_proof(first, LEAVES[:second])
        good = (first, second, roots[first], roots[second])
        assert tlog.verify_consistency(*good, proof)
        assert not tlog.verify_consistency(first, second, roots[second], roots[first], proof)
        assert not tlog.verify_consistency(
            first + 1, second, roots[first + 1], roots[second], proof
        )
        assert not tlog.verify_consistency(
            first, second + 1, roots[first], roots[second + 1], proof
        )
        for bad in flipped(proof):
            assert not tlog.verify_consistency(*good, bad)
        if proof:
            assert not tlog.verify_consistency(*good, proof[:-1])
        assert not tlog.verify_consistency(*good, [*proof, roots[first]])


def test_out_of_range_requests() -> None:
    with pytest.raises(ValueError, match="outside"):
        tlog.inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError, match="no consistency proof"):
        tlog.consistency_proof(0, LEAVES[:3])
    assert not tlog.verify_consistency(0, 3, b"", b"", [])
    assert not tlog.verify_inclusion(LEAVES[0], 0, 0, [], b"")


def test_signed_checkpoints_and_cosignatures() -> None:
    log_key = Ed25519PrivateKey.generate()
    witnesses = {
        name: Ed25519PrivateKey.generate()
        for name in ("center.example", "court.example", "procuratorate.example", "notary.example")
    }
    checkpoint = tlog.Checkpoint("tiaojie.example/log", 64, tlog.root_hash(LEAVES))
    note = tlog.sign_note(checkpoint.body(), "tiaojie.example/log", log_key)
    for name, key in witnesses.items():
        note += tlog.cosign(checkpoint.body(), name, key, 1_795_000_000)
    log = tlog.Verifier.parse(tlog.verifier_key("tiaojie.example/log", log_key.public_key()))
    assert tlog.verify_note(note, log) == checkpoint
    for name, key in witnesses.items():
        witness = tlog.Verifier.parse(tlog.verifier_key(name, key.public_key()))
        assert tlog.verify_cosignature(note, witness) == 1_795_000_000
    stranger = tlog.Verifier("tiaojie.example/log", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(ValueError, match="no valid signature"):
        tlog.verify_note(note, stranger)
    tampered = note.replace("\n64\n", "\n65\n")
    with pytest.raises(ValueError):
        tlog.verify_note(tampered, log)
    court = tlog.Verifier.parse(
        tlog.verifier_key("court.example", witnesses["court.example"].public_key())
    )
    with pytest.raises(ValueError, match="no valid cosignature"):
        tlog.verify_cosignature(tampered, court)
    assert (
        note.startswith("tiaojie.example/log\n64\n") and "\n\n\u2014 tiaojie.example/log " in note
    )


def test_verifier_key_format() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    vkey = tlog.verifier_key("court.example", key)
    name, key_hash, encoded = vkey.split("+", 2)
    assert name == "court.example" and len(key_hash) == 8 and encoded
    with pytest.raises(ValueError, match="key hash"):
        tlog.Verifier.parse(f"{name}+00000000+{encoded}")


def _fake_tiles(leaves: list[bytes]) -> tlog.TileFetch:
    """Tiles of a tree held in memory, as C2SP tlog-tiles defines them."""
    levels = [leaves]
    while len(levels[-1]) >= 256:
        below = levels[-1]
        levels.append([tlog.root_hash(below[i : i + 256]) for i in range(0, len(below) - 255, 256)])

    def fetch(level: int, index: int, width: int) -> bytes:
        return b"".join(levels[level][index * 256 : index * 256 + width])

    return fetch


def test_roots_and_proofs_from_tiles_alone() -> None:
    leaves = [tlog.leaf_hash(str(i).encode()) for i in range(70_000)]
    fetch = _fake_tiles(leaves)
    # 70,000: 273 full level-0 tiles and one of width 112, one full level-1 tile and one of
    # width 17, one level-2 tile of width 1 (the spec's own example).
    assert [tlog.tile_width(0, 273, 70_000), tlog.tile_width(1, 1, 70_000)] == [112, 17]
    assert tlog.tile_width(2, 0, 70_000) == 1
    for size in (1, 2, 255, 256, 257, 511, 512, 1_000, 65_536, 70_000):
        mth = tlog.tiles_subtree_root(size, fetch)
        assert mth(0, size) == tlog.root_hash(leaves[:size]), size
    mth = tlog.tiles_subtree_root(70_000, fetch)
    proof = tlog.consistency_path(1_000, 70_000, mth)
    assert tlog.verify_consistency(
        1_000, 70_000, tlog.root_hash(leaves[:1_000]), mth(0, 70_000), proof
    )
    short = tlog.tiles_subtree_root(70_000, lambda level, index, width: b"\0" * 32)
    with pytest.raises(ValueError, match="bytes"):
        short(0, 70_000)


def test_tile_paths() -> None:
    assert tlog.tile_path(0, 1_234_067, 256) == "tile/0/x001/x234/067"
    assert tlog.tile_path(1, 0, 17) == "tile/1/000.p/17"
    assert tlog.tile_path(None, 5, 256) == "tile/entries/005"


def test_tiles_over_the_rfc6962_vectors() -> None:
    leaves = [tlog.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaf_inputs_hex"]]
    fetch = _fake_tiles(leaves)
    for size, root in VECTORS["root_hash_by_tree_size"].items():
        if int(size):  # the empty tree has no tiles
            assert tlog.tiles_subtree_root(int(size), fetch)(0, int(size)).hex() == root
