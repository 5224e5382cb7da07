"""The SGNS kernel against finite differences and a slow per-pair reference loop."""
import numpy as np
import pytest

from hogwild_w2v.batching import keep_probabilities, make_batch, negative_cdf
from hogwild_w2v.sgns import batch_loss, scatter_add_rows, sgns_step


def small_batch(seed=0, V=30, n=200, window=3, group=4, kb=5):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 100, size=V)
    tokens = rng.integers(0, V, size=n)
    sent = np.repeat(np.arange(10), n // 10).astype(np.int32)
    return make_batch(tokens, sent, keep_probabilities(counts, 0), negative_cdf(counts), window, 5, group, kb,
                      rng, subsample=False), V


def reference_step(w_in, w_out, batch, lr):
    """Obviously-correct loops: every positive pair and every (centre, negative) term, gradients summed
    at the batch's starting parameters, then applied."""
    d_in, d_out = np.zeros_like(w_in), np.zeros_like(w_out)
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    nb, G = batch.centre_ids.shape
    P = batch.span
    for b in range(nb):
        for g in range(G):
            c = batch.centre_ids[b, g]
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


@pytest.mark.parametrize("seed", [0, 1])
def test_batched_kernel_matches_per_pair_reference(seed):
    batch, V = small_batch(seed)
    rng = np.random.default_rng(seed + 10)
    w_in = (rng.random((V, 16)) - 0.5).astype(np.float32)
    w_out = (rng.random((V, 16)) - 0.5).astype(np.float32)
    ref_in, ref_out = reference_step(w_in.astype(np.float64), w_out.astype(np.float64), batch, 0.05)
    sgns_step(w_in, w_out, batch, 0.05, max_repeats=None)
    np.testing.assert_allclose(w_in, ref_in, atol=1e-5)
    np.testing.assert_allclose(w_out, ref_out, atol=1e-5)


def test_update_is_minus_lr_times_finite_difference_gradient():
    batch, V = small_batch(3, V=12, n=60)
    rng = np.random.default_rng(4)
    w_in, w_out = rng.normal(0, 0.3, (V, 6)), rng.normal(0, 0.3, (V, 6))
    lr = 1e-3
    new_in, new_out = w_in.copy(), w_out.copy()
    sgns_step(new_in, new_out, batch, lr, want_loss=False, max_repeats=None)
    eps = 1e-6
    for mat, new in ((w_in, new_in), (w_out, new_out)):
        grad = np.zeros_like(mat)
        for idx in np.ndindex(mat.shape):
            old = mat[idx]
            mat[idx] = old + eps
            up = batch_loss(w_in, w_out, batch)
            mat[idx] = old - eps
            down = batch_loss(w_in, w_out, batch)
            mat[idx] = old
            grad[idx] = (up - down) / (2 * eps)
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


def test_repeat_damping_scales_only_rows_past_the_limit():
    from hogwild_w2v.sgns import repeat_damping
    out_ids = np.array([[0, 0, 0, 5, 9000], [0, 5, 7, 7, 9000]])
    f = repeat_damping(out_ids, max_repeats=2, heavy=100)
    # id 0 fills 4 columns -> 2/4; id 5 and 7 fill 2 -> 1; id 9000 is not a frequent id -> 1
    np.testing.assert_allclose(f, [[0.5, 0.5, 0.5, 1, 1], [0.5, 1, 1, 1, 1]])


def test_damped_step_equals_reference_with_scaled_output_rows():
    batch, V = small_batch(2)
    rng = np.random.default_rng(3)
    w_in = (rng.random((V, 8)) - 0.5).astype(np.float32)
    w_out = (rng.random((V, 8)) - 0.5).astype(np.float32)
    plain_in, plain_out = w_in.copy(), w_out.copy()
    sgns_step(plain_in, plain_out, batch, 0.05, max_repeats=None)
    damped_in, damped_out = w_in.copy(), w_out.copy()
    sgns_step(damped_in, damped_out, batch, 0.05, max_repeats=3)
    np.testing.assert_array_equal(plain_in, damped_in)          # input rows are never damped
    counts = np.bincount(batch.out_ids.ravel(), minlength=V)
    light = counts <= 3
    np.testing.assert_allclose(damped_out[light], plain_out[light], atol=1e-6)
    heavy = np.flatnonzero(~light)
    assert len(heavy) > 0
    np.testing.assert_allclose(damped_out[heavy] - w_out[heavy],
                               (plain_out[heavy] - w_out[heavy]) * (3 / counts[heavy])[:, None], atol=1e-6)
