"""The skip-gram negative-sampling kernel: pure functions over arrays.

Naming, fixed once for the whole project:
  * `w_in`  (V, d): input vectors ("centre", word2vec.c's syn0). The centre word's input vector predicts ...
  * `w_out` (V, d): output vectors ("context", word2vec.c's syn1neg) of the words around it.
Skip-gram predicts the context from the centre: score(centre i, context j) = w_in[t_i] . w_out[t_j].
(word2vec.c swaps the roles inside its loop - syn0 of the context predicts syn1neg of the centre - which is the
same objective summed over the same pairs; we keep the textbook direction.)

Batch layout (see `batching.make_batch`): a batch is `nb` blocks of `G` consecutive kept centre words. Block b
reads the output rows of its span of G + 2*window positions (every possible context of its centres) followed by
`Kb` negatives shared by the block (HogBatch, Ji et al. 2016, shared per block instead of per window):

    x = w_in[centre_ids]   (nb, G, d)          y = w_out[out_ids]   (nb, P + Kb, d)
    s = x @ y^T            (nb, G, P + Kb)     columns :P are span positions, P: are negatives

`pos_mask[b, g, c]` says span column c is a context of centre g (inside its drawn window, same sentence).
Negatives carry weight `neg_weight[b, g]` = n_contexts(g) * negative / Kb, so that in expectation each centre
sees `negative` negatives per positive pair exactly as in word2vec.c.

The loss of a batch (all rows read before any update, so a batch is one SGD step on it):
    L = sum_pos softplus(-s) + sum_neg w * softplus(s)
and the update is w -= lr * dL/dw, scattered so that repeated rows add up; except that the summed update of
a very frequent output row is scaled down when it fills too many columns of one batch (`repeat_damping`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Batch:
    """One chunk of corpus turned into index arrays (built by `batching.make_batch`)."""
    centre_ids: np.ndarray   # (nb, G) int64: word id of each centre (padding rows have no contexts)
    out_ids: np.ndarray      # (nb, P + Kb) int64: span word ids, then the block's negatives
    pos_mask: np.ndarray     # (nb, G, P) bool: span column is a context of the centre
    neg_weight: np.ndarray   # (nb, G) float32: weight of each negative column for this centre
    n_pairs: int             # number of positive (centre, context) pairs
    raw_words: int           # corpus tokens this batch covers, before subsampling (drives lr and progress)

    @property
    def span(self) -> int:
        return self.pos_mask.shape[2]


def _scores(w_in, w_out, batch):
    x = w_in[batch.centre_ids]                        # (nb, G, d)
    y = w_out[batch.out_ids]                          # (nb, P+Kb, d)
    s = np.matmul(x, y.transpose(0, 2, 1))            # (nb, G, d) @ (nb, d, P+Kb) -> (nb, G, P+Kb)
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


HEAVY_IDS = 2048       # ids below this (the most frequent words: vocabularies are sorted) are checked for repeats
MAX_REPEATS = 6        # a frequent output row's summed update is scaled down beyond this many columns a batch


def repeat_damping(out_ids, max_repeats=MAX_REPEATS, heavy=HEAVY_IDS):
    """Per-column factor min(1, max_repeats / m), m = columns of `out_ids` holding the same frequent word.

    Why: every column of a batch reads the output rows before any update, so a very frequent word that fills
    m columns (as a negative above all) gets m stale gradient sums added at once; with lr 0.05, or batches
    of 2,048+ tokens, that overshoots and training diverges. word2vec.c applies the same terms one by one and
    each damps the next. The repeats still add up; only their sum is scaled, and only for rows past
    `max_repeats`. Measured: it stops the divergence and leaves analogy accuracy unchanged
    (docs/BENCHMARKS.md).
    """
    flat = out_ids.reshape(-1)
    is_heavy = flat < heavy
    counts = np.bincount(flat[is_heavy], minlength=heavy)                     # (heavy,)
    factor = np.minimum(np.float32(1), np.float32(max_repeats) / np.maximum(counts, 1)).astype(np.float32)
    out = np.ones(flat.shape, dtype=np.float32)
    out[is_heavy] = factor[flat[is_heavy]]
    return out.reshape(out_ids.shape)                                         # (nb, P+Kb)


def sgns_step(w_in, w_out, batch, lr, want_loss=True, max_repeats=MAX_REPEATS):
    """One SGD step of SGNS on `batch`, updating `w_in` and `w_out` in place (lock-free under Hogwild).

    Returns the batch's total loss (0.0 when `want_loss` is False) and its number of positive pairs.
    `max_repeats=None` gives the plain SGD step (the gradient of `batch_loss`); see `repeat_damping`.
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
    np.reciprocal(sig, out=sig)                       # (nb, G, P+Kb): sigma(s)
    g = sig                                           # reuse: g = -dL/ds, scaled by lr below
    gp = g[..., :p]
    np.subtract(1.0, gp, out=gp)                      # positives: 1 - sigma(s)
    gp *= batch.pos_mask
    gn = g[..., p:]
    gn *= -batch.neg_weight[..., None]                # negatives: -w * sigma(s)
    g *= np.float32(lr)
    dx = np.matmul(g, y)                              # (nb, G, P+Kb) @ (nb, P+Kb, d) -> (nb, G, d)
    dy = np.matmul(g.transpose(0, 2, 1), x)           # (nb, P+Kb, G) @ (nb, G, d) -> (nb, P+Kb, d)
    if max_repeats is not None:
        dy *= repeat_damping(batch.out_ids, max_repeats)[..., None]
    scatter_add_rows(w_in, batch.centre_ids, dx)
    scatter_add_rows(w_out, batch.out_ids, dy)
    return loss, batch.n_pairs
