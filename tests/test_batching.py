"""Subsampling, windows and negatives: the statistics word2vec.c has."""
import numpy as np

from hogwild_w2v.batching import draw_negatives, keep_probabilities, make_batch, negative_cdf, sentence_ids


def test_keep_probability_formula():
    counts = np.array([1_000_000, 10_000, 10])
    keep = keep_probabilities(counts, 1e-3)
    t = 1e-3 * counts.sum()
    expected = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    assert np.all(keep_probabilities(counts, 0) == 1)


def test_subsampling_keeps_the_expected_share():
    counts = np.array([900_000, 100_000])
    keep = keep_probabilities(counts, 1e-3)
    rng = np.random.default_rng(0)
    tokens = np.zeros(200_000, dtype=np.int64)
    b = make_batch(tokens, np.zeros(len(tokens), np.int32), keep, negative_cdf(counts), rng, window=2, negative=5,
                   group=16, shared_negatives=16)
    n_rows = (b.pos_mask.sum(axis=2) > 0).sum()
    assert abs(n_rows / len(tokens) - keep[0]) < 0.01


def test_windows_are_uniform_and_stay_inside_sentences():
    rng = np.random.default_rng(1)
    n, W = 60_000, 5
    tokens = rng.integers(0, 50, size=n)
    lengths = np.full(n // 30, 30)
    sent = sentence_ids(np.concatenate([[0], np.cumsum(lengths)]))
    counts = np.ones(50)
    b = make_batch(tokens, sent, None, negative_cdf(counts), rng, window=W, negative=5, group=16, shared_negatives=16)
    nb, G, P = b.pos_mask.shape
    center_pos = np.arange(nb * G).reshape(nb, G)
    span_pos = (np.arange(nb) * G)[:, None] + np.arange(-W, G + W)
    # no pair crosses a sentence boundary
    bi, gi, ci = np.nonzero(b.pos_mask)
    assert np.all(sent[center_pos[bi, gi]] == sent[span_pos[bi, ci]])
    # an interior center (>= W from its sentence's ends) has 2r contexts, r uniform in 1..W
    pos_in_sent = np.arange(n) % 30
    interior = ((pos_in_sent >= W) & (pos_in_sent < 30 - W))
    n_ctx = b.pos_mask.sum(axis=2).reshape(-1)[:n][interior]
    assert set(np.unique(n_ctx)) == {2, 4, 6, 8, 10}
    freq = np.bincount(n_ctx // 2)[1:] / len(n_ctx)
    np.testing.assert_allclose(freq, 0.2, atol=0.01)
    # every pair's distance is within 1..W
    dist = np.abs(span_pos[bi, ci] - center_pos[bi, gi])
    assert dist.min() >= 1 and dist.max() <= W


def test_negatives_follow_unigram_to_the_075():
    counts = np.array([1000, 100, 10, 1])
    cdf = negative_cdf(counts)
    draws = draw_negatives(cdf, 400_000, np.random.default_rng(2))
    p = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / len(draws), p, atol=0.003)


def test_a_chunk_splits_into_kernel_calls_that_cover_it_exactly():
    """A worker prepares one chunk of several kernel calls at once (`Batch.split`): the calls are consecutive
    runs of whole blocks, each about `batch_words` raw tokens, and together they are the chunk: every block,
    every pair and every raw word once."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 40, size=1_100)
    sent = sentence_ids(np.array([0, 300, 650, 1_100]))
    for model in ("sg", "cbow"):
        b = make_batch(tokens, sent, keep_probabilities(np.full(40, 25), 1e-3), negative_cdf(np.ones(40)), rng,
                       window=3, negative=5, group=16, shared_negatives=20, model=model)
        parts = b.split(256)
        assert len(parts) == 1_100 // 256
        assert sum(p.raw_words for p in parts) == b.raw_words and min(p.raw_words for p in parts) >= 256
        assert sum(p.n_pairs for p in parts) == b.n_pairs > 0
        for name in ("in_ids", "out_ids", "pos_mask", "neg_weight"):
            assert np.array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(b, name))
        assert [p.n_pairs for p in parts] == [int(p.block_pairs.sum()) for p in parts]
        assert b.split(5_000) == [b]
