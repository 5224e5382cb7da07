"""The skip-gram negative-sampling kernel: pure functions over arrays.

Naming, fixed once for the whole project:
  * `w_in`  (V, d): input vectors ("center", word2vec.c's syn0). The center word's input vector predicts ...
  * `w_out` (V, d): output vectors ("context", word2vec.c's syn1neg) of the words around it.
Skip-gram predicts the context from the center: score(center i, context j) = w_in[t_i] . w_out[t_j].
(word2vec.c swaps the roles inside its loop - syn0 of the context predicts syn1neg of the center - which is the
same objective summed over the same pairs, but not the same batched optimiser: `make_batch(direction="context")`
builds that order, in which the block's shared negatives meet the span's input rows rather than its G centers'.
It is skip-gram NS's default (`TrainConfig.input_direction`): level with or above gensim on the parity grid, where
the center's order fell behind on the semantic half: docs/BENCHMARKS.md, rounds 8-9. Below, "center" and
"context" name the layout of the center's order; in the context's, in_ids is the span and out_ids the centers.)

Batch layout (see `batching.make_batch`): a batch is `nb` blocks of `G` consecutive kept center words. Block b
reads the output rows of its span of G + 2*window positions (every possible context of its centers) followed by
`Kb` negatives shared by the block (HogBatch, Ji et al. 2016, shared per block instead of per window):

    x = w_in[in_ids]       (nb, G, d)          y = w_out[out_ids]   (nb, P + Kb, d)
    s = x @ y^T            (nb, G, P + Kb)     columns :P are span positions, P: are negatives

`pos_mask[b, g, c]` says span column c is a context of center g (inside its drawn window, same sentence).
Negatives carry weight `neg_weight[b, g]` = n_contexts(g) * negative / Kb, so that each center sees `negative`
negatives per positive pair exactly as in word2vec.c in expectation; Kb >= negative * (window + 1) keeps that
weight near 1 (`TrainConfig.negatives_per_block`).

The loss of a batch (all rows read before any update, so a batch is one SGD step on it):
    L = sum_pos softplus(-s) + sum_neg w * softplus(s)
and the update is w -= lr * dL/dw, scattered so that repeated rows add up; except for curvature damping.

Curvature damping (with the trust region below, the departures from plain SGD; docs/BENCHMARKS.md measures them). Every term of a batch is
computed at the same, stale parameters, and a row's terms are summed; word2vec.c applies them one after another,
each seeing the previous ones. When one row takes many terms in one batch (a frequent word filling many columns;
a center with a wide window and many negatives) the stale sum can step past the minimum along its direction and
training diverges: the earlier kernel did at window 10 / negative 15, at negative 25 and at lr 0.05. A step of lr
along a direction of curvature lambda moves a = lr * lambda times the distance to that minimum, so a row's step is
scaled by min(1, 1/a): never past the minimum. lambda is
  * for input rows, the exact Rayleigh quotient along the row's own step (`input_curvature`), computed only in
    batches where the trace bound says a could reach 1 (the trace overstates it ~4x on real text);
  * for output rows, the trace of the row's Hessian summed over the batch (`trace_curvature`, `row_totals`),
    within ~10% of the exact value there;
Then a trust region (`limit_score_steps`): the quadratic model behind a holds only near the sigmoids it was
measured at, so no row's step (its entries summed) may move any score of its batch by more than SCORE_STEP = 8.
Early in training, when vectors are small and grow fast, a frequent row's step can pass that long before its
curvature says so: without subsampling, at window 10 / negative 15 / lr 0.05, training diverged within ten
batches; and two Hogwild workers stepping one row at once from the same parameters doubled a step the damping
had judged safe (4 of 20 two-worker runs diverged on the test corpus). The limit is checked by Cauchy-Schwarz:
(sum of the row's entry step lengths) x (the longest vector on the other side) <= 8, which overstates real
moves several times and costs two norms and a row total a side. On a model trained on the bench corpus it binds
in ~1.5% of batches, on the output rows of the most frequent words; otherwise it only stops runaways. (An exact check of every move, triggered by the same bound, was tried at a
limit of 4 and cost 3x as much.)
For nearly every row a < 1 and the step is exactly plain SGD. Gentler or stronger rules were measured and lost:
a smooth factor (1 - exp(-a)) / a shrank every step a little and learnt less; stopping output rows half way
(a > 0.5) was stable to lr 0.1 but cost 0.5 point of analogy accuracy on the bench corpus; counting other Hogwild
workers' share of a frequent row's curvature cost 1 point at 2 workers there. The divergence check in the trainer
stays as the last guard.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Batch:
    """One chunk of corpus turned into index arrays (built by `batching.make_batch`).

    A = rows of `w_in` per block, B = positive candidates per block (see `batching.make_batch` for which
    is the center and which the span)."""
    in_ids: np.ndarray       # (nb, A) int64: rows of w_in (padding rows have no pairs)
    out_ids: np.ndarray      # (nb, B + Kb) int64: rows of w_out: positive candidates, then the block's negatives
    pos_mask: np.ndarray     # (nb, A, B) bool: the pair (input row a, output column b) is a positive pair
    neg_weight: np.ndarray   # (nb, A) float32: weight of each negative column for this input row
    block_pairs: np.ndarray  # (nb,) int64: positive (center, context) pairs of each block (CBOW: predictions)
    raw_words: int           # corpus tokens this batch covers, before subsampling (drives lr and progress)

    @property
    def span(self) -> int:
        return self.pos_mask.shape[2]

    @property
    def n_pairs(self) -> int:
        """Positive pairs in the batch (CBOW: predictions)."""
        return int(self.block_pairs.sum())

    def split(self, batch_words):
        """The batch as runs of whole consecutive blocks, one kernel call each, every run covering about
        `batch_words` raw tokens (at least that many, except when the batch has fewer blocks than runs).

        A worker builds one batch per claimed chunk of several kernel calls' worth of corpus: the preparation's
        ~25 NumPy calls and the last block's padding are paid once a chunk, while each kernel call is as stale as
        a batch of `batch_words` tokens (docs/BENCHMARKS.md, round 5). The raw words are shared out so that the
        runs' sum is exactly the batch's."""
        nb = self.in_ids.shape[0]
        m = max(1, min(nb, self.raw_words // batch_words))
        if m == 1:
            return [self]
        edges = (np.arange(m + 1) * nb) // m
        raw = (np.arange(m + 1) * self.raw_words) // m
        return [Batch(self.in_ids[s:e], self.out_ids[s:e], self.pos_mask[s:e], self.neg_weight[s:e],
                      self.block_pairs[s:e], int(raw[k + 1] - raw[k]))
                for k, (s, e) in enumerate(zip(edges[:-1], edges[1:]))]


SCORE_STEP = 8.0       # the most a row's summed step may move one of its batch's scores (the trust region)


def gather_rows(mat, ids):
    """mat[ids]: rows of `mat` in the shape of `ids` plus (dim,). np.take gathers rows ~1.6x faster than fancy
    indexing (measured on (16, 106) ids of a (71k, 100) matrix: 51 vs 82 us)."""
    return np.take(mat, ids, axis=0)


def _scores(w_in, w_out, batch):
    x = gather_rows(w_in, batch.in_ids)               # (nb, A, d)
    y = gather_rows(w_out, batch.out_ids)             # (nb, B+Kb, d)
    s = np.matmul(x, y.transpose(0, 2, 1))            # (nb, A, d) @ (nb, d, B+Kb) -> (nb, A, B+Kb)
    return x, y, s


def softplus(z):
    """log(1 + exp(z)) without overflow."""
    return np.logaddexp(np.float32(0), z)


def batch_loss_from_scores(s, batch) -> float:
    """sum_pos softplus(-s) + sum_neg w * softplus(s), from the scores `s` (nb, G, P+Kb)."""
    p = batch.span
    pos = (softplus(-s[..., :p]) * batch.pos_mask).sum(dtype=np.float64)
    neg = (softplus(s[..., p:]).sum(axis=2, dtype=np.float64) * batch.neg_weight).sum()
    return float(pos + neg)


def batch_loss(w_in, w_out, batch) -> float:
    """Total SGNS loss of a batch at the current parameters (no update). Used for validation and tests."""
    return batch_loss_from_scores(_scores(w_in, w_out, batch)[2], batch)


def scatter_add_rows(mat, ids, rows):
    """mat[ids[i]] += rows[i] for every i, repeated ids adding up (exact, like np.add.at).

    np.add.at on 2-D rows costs ~0.7 us a row; on the flat 1-D view NumPy takes its fast path, ~4x faster
    including building the flat indices (measured; see docs/BENCHMARKS.md).
    """
    d = mat.shape[1]
    flat = (ids.reshape(-1, 1) * d + np.arange(d, dtype=ids.dtype)).reshape(-1)   # (R*d,)
    np.add.at(mat.reshape(-1), flat, rows.reshape(-1))


def input_curvature(h, dx, y):
    """lambda of each input entry along its own step `dx`: the Rayleigh quotient sum_c h_c (y_c . dx)^2 / |dx|^2
    of the Hessian of its terms (the caller multiplies by lr).

    `h` (nb, A, C): sigma'(s) times each term's weight; `dx` (nb, A, dim); `y` (nb, C, dim) -> (nb, A).
    """
    return rayleigh_quotients(np.matmul(dx, y.transpose(0, 2, 1)), h, dx)  # (nb, A, dim) @ (nb, dim, C)


def rayleigh_quotients(proj, h, steps):
    """sum_c h_c proj_c^2 / |step|^2 over the last axis, from `proj` (..., C) = each step . y_c (overwritten),
    `h` (..., C) and `steps` (..., dim)."""
    proj *= proj
    proj *= h
    return proj.sum(axis=-1) / np.maximum(np.einsum("...d,...d->...", steps, steps), np.float32(1e-30))


def squared_norms(v):
    """|v_k|^2 of each vector of (nb, K, dim) -> (nb, K)."""
    return np.einsum("bkd,bkd->bk", v, v)


def trace_curvature(h, v_sq, axis):
    """The trace sum_j h_j |v_j|^2 of each entry's Hessian: an upper bound of its curvature in any direction.

    `h` (nb, A, C); `v_sq`: the squared norms (`squared_norms`) of the vectors on the terms' axis, (nb, C) for
    `axis=2` (input entries, -> (nb, A)) or (nb, A) for `axis=1` (output entries, -> (nb, C)).
    """
    if axis == 2:
        return np.matmul(h, v_sq[..., None])[..., 0]                   # (nb, A, C) @ (nb, C, 1) -> (nb, A)
    return np.matmul(v_sq[:, None, :], h)[:, 0, :]                     # (nb, 1, A) @ (nb, A, C) -> (nb, C)


def row_totals(ids, a, acc=None):
    """Each entry's row total: sum of `a` over every entry of `ids` that holds the same row.

    `acc`: a float64 buffer of zeros, at least max(ids) + 1 long, left all zeros on return; the worker keeps one
    for its whole run. Accumulating into it and reading back costs O(entries), ~5x less than sorting the batch's
    ids (measured: docs/BENCHMARKS.md); None allocates one (for tests and one-off calls)."""
    flat = ids.reshape(-1)
    if acc is None:
        acc = np.zeros(int(flat.max()) + 1 if flat.size else 0, dtype=np.float64)
    np.add.at(acc, flat, a.reshape(-1).astype(np.float64))     # same dtype: add.at's fast path
    out = acc[flat]
    acc[flat] = 0.0
    return out.reshape(ids.shape)


def overshoot_factor(a):
    """min(1, 1/a): the plain SGD step, unless it would go past the minimum along its direction (a = lr * the
    curvature there; a step of lr moves a times the distance to that minimum)."""
    return (1.0 / np.maximum(a, 1.0)).astype(np.float32)


def damp_rows(d, ids, a, acc):
    """Scale the entries' steps `d` (..., dim) in place by min(1, 1/a_row), a_row = the sum of `a` (...) over the
    entries of `ids` (...) that hold the same row: a row that many entries step at once stops at the minimum."""
    total = row_totals(ids, a, acc)
    if total.max(initial=0.0) > 1.0:
        d *= overshoot_factor(total)[..., None]


def sgns_step(w_in, w_out, batch, lr, want_loss=True, damping=True, acc=None):
    """One SGD step of SGNS on `batch`, updating `w_in` and `w_out` in place (lock-free under Hogwild).

    Returns the batch's total loss (0.0 when `want_loss` is False) and its number of positive pairs.
    `damping=False` gives the plain SGD step (the gradient of `batch_loss`); with damping, rows are scaled as
    the module docstring says. `acc`: the zeroed row-total buffer of `row_totals` (len >= vocabulary), kept by
    the caller across steps; None allocates one. Each stage is a named function, so that
    `scripts/profile_kernel.py` times exactly what trains.
    """
    x, y, s = _scores(w_in, w_out, batch)
    loss = batch_loss_from_scores(s, batch) if want_loss else 0.0
    sig = sigmoid_inplace(s)                                 # (nb, A, B+Kb), in place of s
    h = _term_curvatures(sig, batch) if damping else None
    g = _score_gradients(sig, batch, lr)              # (nb, A, B+Kb), in place of sig: -lr * dL/ds
    dx, dy = _row_steps(g, x, y)
    if damping:
        if acc is None:
            acc = np.zeros(max(len(w_in), len(w_out)), dtype=np.float64)
        x_sq, y_sq = squared_norms(x), squared_norms(y)                       # (nb, A), (nb, B+Kb)
        _damp_output_rows(h, x_sq, dy, batch.out_ids, lr, acc)
        _damp_input_rows(h, dx, y, y_sq, batch.in_ids, lr, acc)
        limit_score_steps(dx, batch.in_ids, float(y_sq.max()), acc)
        limit_score_steps(dy, batch.out_ids, float(x_sq.max()), acc)
    scatter_add_rows(w_in, batch.in_ids, dx)
    scatter_add_rows(w_out, batch.out_ids, dy)
    return loss, batch.n_pairs


def sigmoid_inplace(s):
    """sigma(s), in place; the clip only keeps exp() finite (beyond +-30 the gradient is below float32 resolution)."""
    np.clip(s, -30.0, 30.0, out=s)
    sig = np.exp(-s, out=s)
    sig += 1.0
    return np.reciprocal(sig, out=sig)


def _term_curvatures(sig, batch):
    """sigma'(s) times each term's weight (0 where there is no term): the curvature of each term of the loss."""
    p = batch.span
    h = 1.0 - sig
    h *= sig
    h[..., :p] *= batch.pos_mask
    h[..., p:] *= batch.neg_weight[..., None]
    return h


def _score_gradients(sig, batch, lr):
    """-lr * dL/ds, in place of `sig`: positives lr * (1 - sigma(s)), negatives -lr * w * sigma(s)."""
    p = batch.span
    g = sig
    gp = g[..., :p]
    np.subtract(1.0, gp, out=gp)
    gp *= batch.pos_mask
    gn = g[..., p:]
    gn *= -batch.neg_weight[..., None]
    g *= np.float32(lr)
    return g


def _row_steps(g, x, y):
    """Each entry's SGD step: dx (nb, A, d) for input entries, dy (nb, B+Kb, d) for output entries."""
    dx = np.matmul(g, y)                              # (nb, A, B+Kb) @ (nb, B+Kb, d) -> (nb, A, d)
    dy = np.matmul(g.transpose(0, 2, 1), x)           # (nb, B+Kb, A) @ (nb, A, d) -> (nb, B+Kb, d)
    return dx, dy


def _damp_output_rows(h, x_sq, dy, out_ids, lr, acc):
    """Scale `dy` in place by min(1, 1/a), a = lr x the trace of each output row's Hessian summed over the batch
    (a frequent word's row, above all, filling many columns)."""
    a_out = row_totals(out_ids, lr * trace_curvature(h, x_sq, axis=1), acc)              # (nb, B+Kb)
    dy *= overshoot_factor(a_out)[..., None]


def _damp_input_rows(h, dx, y, y_sq, in_ids, lr, acc):
    """Scale `dx` in place by min(1, 1/a), a = lr x the exact curvature of each input row along its step.

    The trace bounds the curvature from above (and overstates it ~4x on real text), so a row whose trace total is
    at most 1 keeps its step, and the exact Rayleigh quotient is computed only for the entries of the other rows
    (a few frequent centers, in about half the batches on real text), block by block: measured 0.1 us a token
    cheaper on the bench corpus than `input_curvature` over every entry, because most of a batch is under 1."""
    total = row_totals(in_ids, lr * trace_curvature(h, y_sq, axis=2), acc)             # (nb, A)
    over = total > 1.0
    if not over.any():
        return
    bb, aa = np.nonzero(over)                                                          # (m,), (m,): entries
    step = dx[bb, aa]                                                                  # (m, dim)
    proj = np.concatenate([np.matmul(step[bb == b], y[b].T) for b in np.unique(bb)])  # (m, C), in block order
    exact = rayleigh_quotients(proj, h[bb, aa], step)                                  # (m,)
    a = row_totals(in_ids[bb, aa], lr * exact, acc)                                    # (m,)
    dx[bb, aa] = step * overshoot_factor(a)[:, None]


def limit_score_steps(d, ids, other_sq_max, acc, limit=SCORE_STEP):
    """Scale each row's step in place so that it cannot move any score of the batch by more than `limit`.

    `d` (nb, E, dim): the steps of the entries `ids` (nb, E) on one side; `other_sq_max`: the largest squared norm
    of a vector on the other side. A row's move of a score is (its entries' steps summed) . that vector, at most
    (sum of its entries' |step|) x the longest such vector (Cauchy-Schwarz), so holding that product to `limit`
    guarantees the trust region without computing a single move."""
    bound = row_totals(ids, np.sqrt(squared_norms(d)), acc) * np.sqrt(other_sq_max)      # (nb, E)
    if bound.max() > limit:
        d *= (limit / np.maximum(bound, limit)).astype(np.float32)[..., None]
