"""The SGNS kernel against finite differences and a slow per-pair reference loop."""
import numpy as np
import pytest

from conftest import finite_difference_grad
from hogwild_w2v.batching import make_batch, negative_cdf
from hogwild_w2v.sgns import (batch_loss, input_curvature, limit_score_steps, overshoot_factor, row_totals,
                              scatter_add_rows, sgns_step, squared_norms, trace_curvature)


def small_batch(seed=0, V=30, n=200, window=3, group=4, kb=5, direction="center"):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 100, size=V)
    tokens = rng.integers(0, V, size=n)
    sent = np.repeat(np.arange(10), n // 10).astype(np.int32)
    return make_batch(tokens, sent, None, negative_cdf(counts), rng, window=window, negative=5, group=group,
                      shared_negatives=kb, direction=direction), V


def reference_step(w_in, w_out, batch, lr):
    """Obviously-correct loops: every positive pair and every (center, negative) term, gradients summed
    at the batch's starting parameters, then applied."""
    d_in, d_out = np.zeros_like(w_in), np.zeros_like(w_out)
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    nb, G = batch.in_ids.shape
    P = batch.span
    for b in range(nb):
        for g in range(G):
            c = batch.in_ids[b, g]
            for col, o in enumerate(batch.out_ids[b]):
                if col < P:
                    if not batch.pos_mask[b, g, col]:
                        continue
                    coef = 1.0 - sig(w_in[c] @ w_out[o])            # d log sigma(s) / ds
                else:
                    coef = -batch.neg_weight[b, g] * sig(w_in[c] @ w_out[o])
                d_in[c] += lr * coef * w_out[o]
                d_out[o] += lr * coef * w_in[c]
    return w_in + d_in, w_out + d_out


@pytest.mark.parametrize("seed,direction", [(0, "center"), (1, "center"), (2, "context")])
def test_batched_kernel_matches_per_pair_reference(seed, direction):
    batch, V = small_batch(seed, direction=direction)
    rng = np.random.default_rng(seed + 10)
    w_in = (rng.random((V, 16)) - 0.5).astype(np.float32)
    w_out = (rng.random((V, 16)) - 0.5).astype(np.float32)
    ref_in, ref_out = reference_step(w_in.astype(np.float64), w_out.astype(np.float64), batch, 0.05)
    sgns_step(w_in, w_out, batch, 0.05, damping=False)
    np.testing.assert_allclose(w_in, ref_in, atol=1e-5)
    np.testing.assert_allclose(w_out, ref_out, atol=1e-5)


def test_update_is_minus_lr_times_finite_difference_gradient():
    batch, V = small_batch(3, V=12, n=60)
    rng = np.random.default_rng(4)
    w_in, w_out = rng.normal(0, 0.3, (V, 6)), rng.normal(0, 0.3, (V, 6))
    lr = 1e-3
    new_in, new_out = w_in.copy(), w_out.copy()
    sgns_step(new_in, new_out, batch, lr, want_loss=False, damping=False)
    for mat, new in ((w_in, new_in), (w_out, new_out)):
        grad = finite_difference_grad(lambda: batch_loss(w_in, w_out, batch), mat)
        np.testing.assert_allclose((new - mat) / -lr, grad, rtol=1e-5, atol=1e-7)


def test_loss_is_stable_for_huge_scores():
    batch, V = small_batch(5)
    w_in = np.full((V, 4), 100.0, dtype=np.float32)
    w_out = np.full((V, 4), -100.0, dtype=np.float32)
    loss = batch_loss(w_in, w_out, batch)
    assert np.isfinite(loss) and loss > 0
    sgns_step(w_in, w_out, batch, 0.01)
    assert np.all(np.isfinite(w_in)) and np.all(np.isfinite(w_out))


def test_scatter_add_rows_adds_repeated_ids():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 7, size=500)
    rows = rng.normal(size=(500, 3)).astype(np.float32)
    got = np.zeros((7, 3), np.float32)
    scatter_add_rows(got, ids, rows)
    want = np.zeros((7, 3), np.float32)
    np.add.at(want, ids, rows)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_both_directions_pair_the_same_words():
    """word2vec.c's order (context predicts center) is the transpose of the textbook one: same positive pairs."""
    a, _ = small_batch(7, direction="center")
    b, _ = small_batch(7, direction="context")
    pairs = lambda bt, flip: sorted(
        (int(bt.in_ids[k, i]), int(bt.out_ids[k, j]))[::-1 if flip else 1]
        for k, i, j in zip(*np.nonzero(bt.pos_mask)))
    assert pairs(a, False) == pairs(b, True)
    assert a.n_pairs == b.n_pairs == len(pairs(a, False))


def test_input_curvature_is_the_rayleigh_quotient_along_the_step():
    rng = np.random.default_rng(0)
    h = rng.random((2, 3, 5)).astype(np.float32)
    dx = rng.normal(size=(2, 3, 4)).astype(np.float32)
    y = rng.normal(size=(2, 5, 4)).astype(np.float32)
    for b in range(2):
        for a in range(3):
            H = sum(h[b, a, c] * np.outer(y[b, c], y[b, c]) for c in range(5))       # the Hessian of its terms
            u = dx[b, a] / np.linalg.norm(dx[b, a])
            assert input_curvature(h, dx, y)[b, a] == pytest.approx(u @ H @ u, rel=1e-4)


def test_trace_curvature_is_the_trace_of_each_entrys_hessian():
    rng = np.random.default_rng(1)
    h = rng.random((2, 3, 5)).astype(np.float32)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    y = rng.normal(size=(2, 5, 4)).astype(np.float32)
    x_sq, y_sq = squared_norms(x), squared_norms(y)
    np.testing.assert_allclose(x_sq, (x * x).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(trace_curvature(h, x_sq, axis=1), np.einsum("bac,ba->bc", h, (x * x).sum(-1)), rtol=1e-5)
    np.testing.assert_allclose(trace_curvature(h, y_sq, axis=2), np.einsum("bac,bc->ba", h, (y * y).sum(-1)), rtol=1e-5)
    # the trace bounds the Rayleigh quotient in every direction
    dx = rng.normal(size=(2, 3, 4)).astype(np.float32)
    assert np.all(input_curvature(h, dx, y) <= trace_curvature(h, y_sq, axis=2) * (1 + 1e-5))


def test_row_totals_and_factors():
    ids = np.array([[3, 3, 7], [9, 3, 7]])
    a = np.array([[0.5, 0.25, 1e-6], [2.0, 0.25, 1e-6]], dtype=np.float32)
    np.testing.assert_allclose(row_totals(ids, a), [[1.0, 1.0, 2e-6], [2.0, 1.0, 2e-6]], rtol=1e-6)
    np.testing.assert_allclose(overshoot_factor(np.array([0.0, 0.9, 1.0, 4.0])), [1, 1, 1, 0.25])
    # on a quadratic with curvature lam, a step of lr * gradient from distance 1 lands at 1 - lr * lam: the
    # factor keeps the landing point between the start and the minimum (never past it)
    for a in (0.3, 1.0, 1.7, 3.0, 40.0):
        assert -1e-6 <= 1 - a * overshoot_factor(np.array([a]))[0] < 1


def test_damping_leaves_small_steps_alone_and_shrinks_stale_sums():
    batch, V = small_batch(2, V=12)
    rng = np.random.default_rng(3)
    w_in, w_out = rng.normal(0, 0.3, (V, 8)), rng.normal(0, 0.3, (V, 8))     # float64: tiny steps stay exact
    runs = {}
    for lr in (1e-5, 0.5):
        for damping in (False, True):
            a, b = w_in.copy(), w_out.copy()
            sgns_step(a, b, batch, lr, damping=damping)
            runs[lr, damping] = (a - w_in, b - w_out)
    for k in range(2):       # tiny lr: the damped step is the plain SGD step
        np.testing.assert_allclose(runs[1e-5, True][k], runs[1e-5, False][k], rtol=1e-3, atol=1e-12)
    for k in range(2):       # big lr on 12 words: every row's step shrinks, none grows or flips
        plain, damped = runs[0.5, False][k], runs[0.5, True][k]
        moved = np.linalg.norm(plain, axis=1) > 0
        ratio = np.linalg.norm(damped, axis=1)[moved] / np.linalg.norm(plain, axis=1)[moved]
        assert np.all(ratio <= 1 + 1e-6) and ratio.min() < 0.9
        cos = (plain * damped).sum(1)[moved] / np.linalg.norm(plain, axis=1)[moved] / np.linalg.norm(damped, axis=1)[moved]
        np.testing.assert_allclose(cos, 1, atol=1e-5)


def test_trust_region_holds_every_rows_score_moves_to_the_limit():
    """After `limit_score_steps`, no row's summed step moves the score with any vector of the other side by more
    than the limit (checked by loops over rows and vectors); rows whose bound was within it keep their step."""
    batch, V = small_batch(seed=3)
    rng = np.random.default_rng(4)
    other = rng.normal(size=(4, 9, 6)).astype(np.float32)
    ids = batch.in_ids
    d = rng.normal(scale=0.5, size=ids.shape + (6,)).astype(np.float32)

    def rows(steps):
        total, size = {}, {}
        for idx in np.ndindex(ids.shape):
            total[ids[idx]] = total.get(ids[idx], 0) + steps[idx].astype(np.float64)
            size[ids[idx]] = size.get(ids[idx], 0) + np.linalg.norm(steps[idx])
        return total, size

    longest = np.linalg.norm(other, axis=-1).max()
    total, size = rows(d)
    limited = d.copy()
    limit_score_steps(limited, ids, float((other ** 2).sum(-1).max()), np.zeros(V), limit=1.5)
    total2, size2 = rows(limited)
    assert max(size.values()) * longest > 1.5                               # the test has rows to hold back
    for row in total:
        worst = max(abs(total2[row] @ v) for v in other.reshape(-1, 6))
        assert worst <= 1.5 * (1 + 1e-5)
        if size[row] * longest <= 1.5:
            assert np.array_equal(limited[ids == row], d[ids == row])
        else:
            assert size2[row] * longest == pytest.approx(1.5, rel=1e-4)   # held at the limit, not below it


def test_input_vectors_start_like_gensims_and_output_vectors_at_zero():
    """+-1/dim as gensim 4 (word2vec.c: +-0.5/dim): the start's scale decided the analogy gap to gensim on small
    corpora (docs/BENCHMARKS.md, round 3), so it is pinned here."""
    from hogwild_w2v.resume import init_matrices
    w_in, w_out = init_matrices(2000, 50, seed=1)
    assert w_in.dtype == np.float32 and not w_out.any()
    assert np.abs(w_in).max() <= 1 / 50 and np.abs(w_in).max() > 0.99 / 50
    assert np.std(w_in) == pytest.approx(1 / 50 / np.sqrt(3), rel=0.01)          # uniform on (-1/d, 1/d)
    assert np.array_equal(init_matrices(2000, 50, seed=1)[0], w_in)
