from __future__ import annotations

import numpy as np
from datasketch import MinHash

from dedup.fingerprint.normalize import tokenize
from dedup.fingerprint.shingle import compare_shingles, make_shingles
from dedup.fingerprint.signature import MinHasher

TEXT = (
    "云岭省商务厅对外贸易处处长杨春华介绍，今年春茶开采较往年提前约一周，加之气温适宜、雨水充沛，"
    "明前茶品质普遍较好。与此同时，全省茶企加快拓展国际市场，通过参加海外展会、开设境外仓等方式，"
    "订单数量明显增加。"
)


def test_signature_equals_datasketch_minhash_for_the_same_seed() -> None:
    shingles = make_shingles(tokenize(TEXT), ngram=5, tokenizer="char")
    reference = MinHash(num_perm=128, seed=7, hashfunc=int)
    for value in shingles.tolist():
        reference.update(value)
    assert np.array_equal(MinHasher(128, 7).sign(shingles), reference.hashvalues)


def test_signatures_estimate_jaccard() -> None:
    tokens = tokenize(TEXT)
    left = make_shingles(tokens, ngram=3, tokenizer="char")
    right = make_shingles(tokens[: len(tokens) * 2 // 3], ngram=3, tokenizer="char")
    hasher = MinHasher(256, 1)
    estimate = hasher.lean(hasher.sign(left)).jaccard(hasher.lean(hasher.sign(right)))
    exact, _ = compare_shingles(left, right)
    assert abs(estimate - exact) < 0.12


def test_different_seeds_give_different_signatures() -> None:
    shingles = make_shingles(tokenize(TEXT), ngram=5, tokenizer="char")
    assert not np.array_equal(MinHasher(128, 1).sign(shingles), MinHasher(128, 2).sign(shingles))


def test_numpy_signatures_equal_datasketch_for_any_size() -> None:
    rng = np.random.default_rng(5)
    hasher = MinHasher(256, 42)
    for size in (1, 2, 511, 512, 513, 1023, 1024, 1025, 5000, 3):
        shingles = np.unique(rng.integers(0, 2**32, size, dtype=np.uint64).astype(np.uint32))
        assert np.array_equal(hasher.sign(shingles), hasher.sign_reference(shingles)), size


def test_permutations_are_datasketchs_own() -> None:
    from dedup.fingerprint.signature import affine32_permutations

    for num_perm, seed in ((128, 1), (64, 7), (256, 2**31)):
        a, b = affine32_permutations(num_perm, seed)
        reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


def test_signatures_do_not_depend_on_what_was_signed_before_nor_on_a_copy() -> None:
    import pickle

    rng = np.random.default_rng(9)
    sets = [
        np.unique(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32))
        for n in (3000, 7, 1500)
    ]
    used = MinHasher(128, 3)
    signed = [used.sign(shingles) for shingles in sets]
    copy = pickle.loads(pickle.dumps(used))
    for shingles, signature in zip(sets, signed, strict=True):
        assert np.array_equal(MinHasher(128, 3).sign(shingles), signature)
        assert np.array_equal(copy.sign(shingles), signature)


def test_signing_many_sets_at_once_gives_each_sets_own_signature() -> None:
    from dedup.fingerprint.signature import mix32

    rng = np.random.default_rng(11)
    # Empty sets first, between others and last; sets across blocks and wider than one.
    sizes = [0, 5, 1, 0, 700, 9000, 0, 3, 20_000, 1, 0]
    sets = [
        np.unique(rng.integers(0, 2**32, size, dtype=np.uint64).astype(np.uint32)) for size in sizes
    ]
    offsets = np.cumsum([0] + [s.size for s in sets]).astype(np.int64)
    for hasher in (MinHasher(128, 1), MinHasher(64, 9)):
        signatures = hasher.sign_many(mix32(np.concatenate(sets)), offsets)
        assert signatures.shape == (len(sets), hasher.num_perm)
        for shingles, signature in zip(sets, signatures, strict=True):
            assert np.array_equal(signature, hasher.sign(shingles))
    none = MinHasher(128, 1).sign_many(np.zeros(0, dtype=np.uint32), np.zeros(3, dtype=np.int64))
    assert none.shape == (2, 128) and (none == 0xFFFFFFFF).all()
