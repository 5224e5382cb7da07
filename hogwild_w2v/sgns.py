"""The skip-gram negative-sampling kernel: pure functions over arrays.

Naming, fixed once for the whole project:
  * `w_in`  (V, d): input vectors ("center", word2vec.c's syn0). The center word's input vector predicts ...
  * `w_out` (V, d): output vectors ("context", word2vec.c's syn1neg) of the words around it.
Skip-gram predicts the context from the center: score(center i, context j) = w_in[t_i] . w_out[t_j].
(word2vec.c swaps the roles inside its loop - syn0 of the context predicts syn1neg of the center - which is the
same objective summed over the same pairs; `make_batch(direction="context")` builds that order, measured no
better: docs/BENCHMARKS.md.)

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

Curvature damping (the one departure from plain SGD; docs/BENCHMARKS.md measures it). Every term of a batch is
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
Then a trust region: the quadratic model behind a is only good while the sigmoids it was measured at hold, so
no row's step (its entries summed) may move any score of its batch by more than SCORE_STEP (1.0; sigma' changes
by at most ~e over such a move). Early in training, when vectors are small and grow fast, a frequent row's step
can pass that long before its curvature says so (text without subsampling, window 10 / negative 15, lr 0.05,
diverged in ten batches); two Hogwild workers stepping one row at once from the same parameters are held to 2.
The check is exact (one matmul a side) and runs only in batches where a norm bound says a score could move that
far: on real text at the defaults, rarely or never.
For nearly every row a < 1 and the step is exactly plain SGD. Gentler or stronger rules were measured and lost:
a smooth factor (1 - exp(-a)) / a shrank every step a little and learnt less; stopping output rows half way
(a > 0.5) was stable to lr 0.1 but cost 0.5 point of analogy accuracy on the bench corpus. Skip-gram is stable to
lr 0.05 at every window and `negative` tested; beyond that the divergence check stops the run.
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
    n_pairs: int             # number of positive (center, context) pairs
    raw_words: int           # corpus tokens this batch covers, before subsampling (drives lr and progress)

    @property
    def span(self) -> int:
        return self.pos_mask.shape[2]


SCORE_STEP = 4.0       # the most a row's step may move one of its batch's scores (trust region)


def _scores(w_in, w_out, batch):
    x = w_in[batch.in_ids]                            # (nb, A, d)
    y = w_out[batch.out_ids]                          # (nb, B+Kb, d)
    s = np.matmul(x, y.transpose(0, 2, 1))            # (nb, A, d) @ (nb, d, B+Kb) -> (nb, A, B+Kb)
    return x, y, s


def _softplus(z):
    """log(1 + exp(z)) without overflow."""
    return np.logaddexp(np.float32(0), z)


def batch_loss_from_scores(s, batch) -> float:
    """sum_pos softplus(-s) + sum_neg w * softplus(s), from the scores `s` (nb, G, P+Kb)."""
    p = batch.span
    pos = (_softplus(-s[..., :p]) * batch.pos_mask).sum(dtype=np.float64)
    neg = (_softplus(s[..., p:]).sum(axis=2, dtype=np.float64) * batch.neg_weight).sum()
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
    proj = np.matmul(dx, y.transpose(0, 2, 1))                         # (nb, A, dim) @ (nb, dim, C) -> (nb, A, C)
    proj *= proj
    proj *= h
    return proj.sum(axis=2) / np.maximum(np.einsum("bad,bad->ba", dx, dx), np.float32(1e-30))


def trace_curvature(h, v, axis):
    """The trace sum_j h_j |v_j|^2 of each entry's Hessian: an upper bound of its curvature in any direction.

    `h` (nb, A, C); `v`: the vectors on the terms' axis, (nb, C, dim) for `axis=2` (input entries, -> (nb, A)) or
    (nb, A, dim) for `axis=1` (output entries, -> (nb, C)).
    """
    v_sq = np.einsum("bkd,bkd->bk", v, v)                              # (nb, C) or (nb, A)
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


def sgns_step(w_in, w_out, batch, lr, want_loss=True, damping=True, acc=None):
    """One SGD step of SGNS on `batch`, updating `w_in` and `w_out` in place (lock-free under Hogwild).

    Returns the batch's total loss (0.0 when `want_loss` is False) and its number of positive pairs.
    `damping=False` gives the plain SGD step (the gradient of `batch_loss`); with damping, rows are scaled as
    the module docstring says. `acc`: the zeroed row-total buffer of `row_totals` (len >= vocabulary), kept by
    the caller across steps; None allocates one.
    """
    x, y, s = _scores(w_in, w_out, batch)
    p = batch.span
    loss = 0.0
    if want_loss:
        loss = batch_loss_from_scores(s, batch)
    # sigmoid; the clip only keeps exp() finite, the gradient beyond +-30 is below float32 resolution
    np.clip(s, -30.0, 30.0, out=s)
    sig = np.exp(-s, out=s)
    sig += 1.0
    np.reciprocal(sig, out=sig)                       # (nb, A, B+Kb): sigma(s)
    if damping:
        if acc is None:
            acc = np.zeros(max(len(w_in), len(w_out)), dtype=np.float64)
        h = 1.0 - sig
        h *= sig                                      # (nb, A, B+Kb): sigma'(s), the curvature of each term
        h[..., :p] *= batch.pos_mask
        h[..., p:] *= batch.neg_weight[..., None]
    g = sig                                           # reuse: g = -dL/ds, scaled by lr below
    gp = g[..., :p]
    np.subtract(1.0, gp, out=gp)                      # positives: 1 - sigma(s)
    gp *= batch.pos_mask
    gn = g[..., p:]
    gn *= -batch.neg_weight[..., None]                # negatives: -w * sigma(s)
    g *= np.float32(lr)
    dx = np.matmul(g, y)                              # (nb, A, B+Kb) @ (nb, B+Kb, d) -> (nb, A, d)
    dy = np.matmul(g.transpose(0, 2, 1), x)           # (nb, B+Kb, A) @ (nb, A, d) -> (nb, B+Kb, d)
    if damping:
        # output rows (a frequent word's, above all, filling many columns of a batch)
        a_out = row_totals(batch.out_ids, lr * trace_curvature(h, x, axis=1), acc)      # (nb, B+Kb)
        dy *= overshoot_factor(a_out)[..., None]
        # input rows (a center with a wide window and many negatives): only stop a step from overshooting
        _damp_input_rows(h, dx, y, batch.in_ids, lr, acc)
        limit_score_steps(dx, batch.in_ids, y, batch, acc, axis=2)
        limit_score_steps(dy, batch.out_ids, x, batch, acc, axis=1)
    scatter_add_rows(w_in, batch.in_ids, dx)
    scatter_add_rows(w_out, batch.out_ids, dy)
    return loss, batch.n_pairs


def _damp_input_rows(h, dx, y, in_ids, lr, acc):
    """Scale `dx` in place by min(1, 1/a), a = lr x the exact curvature of each input row along its step.

    The trace bounds the curvature from above (and overstates it ~4x on real text), so when no row's trace total
    exceeds 1 every step stands as it is and the exact Rayleigh quotient is not computed. (Computing it only for
    the entries of the rows over 1 costs more than this one matmul: the gathers copy their blocks' vectors.)"""
    total = row_totals(in_ids, lr * trace_curvature(h, y, axis=2), acc)                # (nb, A)
    if total.max() <= 1.0:
        return
    total = row_totals(in_ids, lr * input_curvature(h, dx, y), acc)                    # (nb, A)
    dx *= overshoot_factor(total)[..., None]


def active_terms(batch):
    """(nb, A, B+Kb) bool: the terms of the batch's loss (its positive pairs; the negatives of real input rows)."""
    neg = np.broadcast_to((batch.neg_weight > 0)[..., None], batch.neg_weight.shape + (batch.out_ids.shape[1] - batch.span,))
    return np.concatenate([batch.pos_mask, neg], axis=2)


def limit_score_steps(d, ids, other, batch, acc, axis, limit=SCORE_STEP):
    """Scale each row's step in place so that it moves none of its `active` terms' scores by more than `limit`.

    `d` (nb, E, dim): the steps of the entries `ids` (nb, E) on one side; `other` (nb, F, dim): the vectors on
    the other side of their terms; `axis`: 2 when `d` are input entries
    (E = A), 1 when output entries (E = C). A row's move of score (i, j) is (its entries' steps summed) . other_j.
    """
    norms = np.sqrt(np.einsum("bed,bed->be", d, d))                                  # (nb, E)
    bound = row_totals(ids, norms, acc) * np.sqrt(np.einsum("bfd,bfd->bf", other, other).max())
    if bound.max() <= limit:                 # |sum of steps| x the longest vector: no score can move that far
        return
    flat = ids.reshape(-1)
    rows, inv = np.unique(flat, return_inverse=True)                                  # (U,), (nb*E,)
    dim = d.shape[-1]
    total = np.zeros((len(rows), dim), dtype=d.dtype)
    scatter_add_rows(total, inv, d.reshape(-1, dim))                                  # (U, dim): each row's step
    step = total[inv].reshape(d.shape)                                                # (nb, E, dim)
    moves = np.abs(np.matmul(step, other.transpose(0, 2, 1)))                         # (nb, E, F)
    if axis == 1:
        moves = moves.transpose(0, 2, 1)                                              # (nb, A, C) like `active`
    moves *= active_terms(batch)
    worst = np.zeros(len(rows))
    np.maximum.at(worst, inv, moves.max(axis=axis).reshape(-1))                      # (U,) the row's largest move
    d *= (limit / np.maximum(worst, limit)).astype(np.float32)[inv].reshape(ids.shape + (1,))
