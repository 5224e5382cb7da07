"""The window layout (word2vec.c's direction, negatives per window) against a slow loop and finite differences."""
import numpy as np
import pytest

from conftest import finite_difference_grad
from hogwild_w2v.batching import make_batch, make_window_batch, negative_cdf
from hogwild_w2v.window_ns import window_batch_loss, window_ns_step


def small_window_batch(seed=0, V=30, n=120, window=3, group=8, per_window=6, negative=4):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 100, size=V)
    tokens = rng.integers(0, V, size=n)
    sent = np.repeat(np.arange(6), n // 6).astype(np.int32)
    return make_window_batch(tokens, sent, None, negative_cdf(counts), rng, window=window, negative=negative,
                             group=group, per_window=per_window), V


def reference_step(w_in, w_out, batch, lr):
    """Obviously-correct loops, word2vec.c's order: for each window, each context's input row against its
    center's output row and the window's negatives; gradients summed at the starting parameters, then applied.
    Returns the loss at the start too."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    softplus = lambda z: np.log1p(np.exp(z))
    d_in, d_out, loss = np.zeros_like(w_in), np.zeros_like(w_out), 0.0
    nb, G, K = batch.neg_ids.shape
    width = batch.win_mask.shape[2]
    for b in range(nb):
        for g in range(G):
            for c in range(width):
                if not batch.win_mask[b, g, c]:
                    continue
                i = batch.span_ids[b, g + c]                             # the context's input row
                terms = [(batch.center_ids[b, g], 1.0, 1.0)]             # (output row, label, weight)
                terms += [(o, 0.0, batch.neg_weight) for o in batch.neg_ids[b, g]]
                for o, label, weight in terms:
                    s = w_in[i] @ w_out[o]
                    loss += weight * softplus(-s if label else s)
                    coef = weight * (label - sig(s))                     # -dL/ds
                    d_in[i] += lr * coef * w_out[o]
                    d_out[o] += lr * coef * w_in[i]
    return w_in + d_in, w_out + d_out, loss


def test_window_mask_pairs_the_same_words_as_the_block_layout():
    """Same seed, same draws up to the negatives: the window layout's pairs are the block layout's."""
    rng_args = dict(window=3, negative=4, group=8)
    counts = np.arange(1, 31)
    tokens = np.random.default_rng(5).integers(0, 30, 200)
    sent = np.repeat(np.arange(8), 25).astype(np.int32)
    wb = make_window_batch(tokens, sent, None, negative_cdf(counts), np.random.default_rng(1), per_window=5, **rng_args)
    bb = make_batch(tokens, sent, None, negative_cdf(counts), np.random.default_rng(1), shared_negatives=5,
                    direction="context", **rng_args)
    np.testing.assert_array_equal(wb.pos_mask.astype(bool), bb.pos_mask)
    assert wb.n_pairs == bb.n_pairs == int(wb.win_mask.sum())
    nb, G, width = wb.win_mask.shape
    for b, g, c in zip(*np.nonzero(wb.win_mask)):
        assert wb.pos_mask[b, g + c, g] == 1 and c != (width - 1) // 2


@pytest.mark.parametrize("seed", [0, 1])
def test_window_kernel_matches_the_per_pair_loop(seed):
    batch, V = small_window_batch(seed)
    rng = np.random.default_rng(seed + 10)
    w_in = (rng.random((V, 16)) - 0.5).astype(np.float32)
    w_out = (rng.random((V, 16)) - 0.5).astype(np.float32)
    ref_in, ref_out, ref_loss = reference_step(w_in.astype(np.float64), w_out.astype(np.float64), batch, 0.05)
    assert window_batch_loss(w_in, w_out, batch) == pytest.approx(ref_loss, rel=1e-5)
    loss, pairs = window_ns_step(w_in, w_out, batch, 0.05, damping=False)
    assert loss == pytest.approx(ref_loss, rel=1e-5) and pairs == batch.n_pairs > 0
    np.testing.assert_allclose(w_in, ref_in, atol=1e-5)
    np.testing.assert_allclose(w_out, ref_out, atol=1e-5)


def test_window_update_is_minus_lr_times_finite_difference_gradient():
    batch, V = small_window_batch(3, V=12, n=48)
    rng = np.random.default_rng(4)
    w_in, w_out = rng.normal(0, 0.3, (V, 6)), rng.normal(0, 0.3, (V, 6))
    lr = 1e-3
    new_in, new_out = w_in.copy(), w_out.copy()
    window_ns_step(new_in, new_out, batch, lr, want_loss=False, damping=False)
    for mat, new in ((w_in, new_in), (w_out, new_out)):
        grad = finite_difference_grad(lambda: window_batch_loss(w_in, w_out, batch), mat)
        np.testing.assert_allclose((new - mat) / -lr, grad, rtol=1e-5, atol=1e-7)


def test_window_damping_leaves_small_steps_alone_and_never_grows_or_turns_a_step():
    batch, V = small_window_batch(2, V=12)
    rng = np.random.default_rng(3)
    w_in, w_out = rng.normal(0, 0.3, (V, 8)), rng.normal(0, 0.3, (V, 8))
    runs = {}
    for lr in (1e-5, 0.5):
        for damping in (False, True):
            a, b = w_in.copy(), w_out.copy()
            window_ns_step(a, b, batch, lr, damping=damping)
            runs[lr, damping] = (a - w_in, b - w_out)
    for k in range(2):
        np.testing.assert_allclose(runs[1e-5, True][k], runs[1e-5, False][k], rtol=1e-3, atol=1e-12)
    for k in range(2):
        plain, damped = runs[0.5, False][k], runs[0.5, True][k]
        moved = np.linalg.norm(plain, axis=1) > 0
        ratio = np.linalg.norm(damped, axis=1)[moved] / np.linalg.norm(plain, axis=1)[moved]
        assert np.all(ratio <= 1 + 1e-6) and ratio.min() < 0.9
