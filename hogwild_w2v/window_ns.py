"""Skip-gram negative sampling in word2vec.c's direction, each window with negatives of its own.

word2vec.c trains a skip-gram window (center t, effective radius r) as: for each context c of t, the input row
of c (syn0) is pulled towards the output row of t (syn1neg) and pushed away from `negative` output rows drawn for
that pair. `sgns.py`'s block layout departs from that twice: the center's own row predicts (the textbook
direction), and one set of Kb negatives is shared by a block of G centers. Measured on the demo corpus the pair
of departures cost about 2 points of semantic analogies (docs/BENCHMARKS.md, rounds 6-7); this layout removes
both at a batched cost:

    a block is G consecutive kept centers; its span is the G + 2W positions that can be their contexts
    x  = w_in[span_ids]        (nb, P, d)       P = G + 2W: the input rows (contexts)
    yc = w_out[center_ids]     (nb, G, d)       the positives' output rows
    yn = w_out[neg_ids]        (nb, G, K, d)    K negatives drawn for each window, its own
    sp = x @ yc^T              (nb, P, G)       positive scores, `pos_mask` says which are pairs
    xw = the window of center g: span rows g .. g + 2W (a strided view of x, no copy)   (nb, G, 2W+1, d)
    sn = xw @ yn^T             (nb, G, 2W+1, K) each context of window g against g's negatives

Every pair (context, center) meets the window's K negatives with weight negative / K each, so the expected
gradient is word2vec.c's; with K = negative each pair sees exactly `negative` of them, shared with the
other contexts of its window instead of drawn afresh per pair.

The loss of a batch, all rows read before any update:
    L = sum_pairs softplus(-sp) + (negative / K) * sum_(pairs, k) softplus(sn)
Damping and the trust region follow `sgns.py`'s rules (a row's summed step stops at the minimum along it; no
row moves a score by more than SCORE_STEP), with the input rows' curvature taken from the trace bound.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .sgns import (gather_rows, limit_score_steps, overshoot_factor, row_totals, scatter_add_rows,
                   sigmoid_inplace, softplus, squared_norms)


@dataclass
class WindowBatch:
    """One chunk in the window layout (`batching.make_window_batch`)."""
    span_ids: np.ndarray     # (nb, P) int64: rows of w_in, the contexts (padding positions have no pairs)
    center_ids: np.ndarray   # (nb, G) int64: rows of w_out, the centers
    neg_ids: np.ndarray      # (nb, G, K) int64: rows of w_out, each window's negatives
    pos_mask: np.ndarray     # (nb, P, G) float32: 1 where span row p is a context of center g
    win_mask: np.ndarray     # (nb, G, 2W+1) float32: 1 where window g's row c (span row g + c) is a context
    neg_weight: float        # negative / K: the weight of each negative term
    block_pairs: np.ndarray  # (nb,) int64: positive pairs of each block
    raw_words: int           # corpus tokens this batch covers, before subsampling

    @property
    def n_pairs(self) -> int:
        return int(self.block_pairs.sum())

    def split(self, batch_words):
        """Runs of whole consecutive blocks of about `batch_words` raw tokens each (as `sgns.Batch.split`)."""
        nb = self.span_ids.shape[0]
        m = max(1, min(nb, self.raw_words // batch_words))
        if m == 1:
            return [self]
        edges = (np.arange(m + 1) * nb) // m
        raw = (np.arange(m + 1) * self.raw_words) // m
        return [WindowBatch(self.span_ids[s:e], self.center_ids[s:e], self.neg_ids[s:e], self.pos_mask[s:e],
                            self.win_mask[s:e], self.neg_weight, self.block_pairs[s:e], int(raw[k + 1] - raw[k]))
                for k, (s, e) in enumerate(zip(edges[:-1], edges[1:]))]


def windows(x, width):
    """(nb, P, d) -> (nb, P - width + 1, width, d): row c of window g is x[:, g + c]; a view, no copy."""
    return sliding_window_view(x, width, axis=1).transpose(0, 1, 3, 2)


def _scores(w_in, w_out, batch):
    x = gather_rows(w_in, batch.span_ids)                       # (nb, P, d)
    yc = gather_rows(w_out, batch.center_ids)                   # (nb, G, d)
    yn = gather_rows(w_out, batch.neg_ids)                      # (nb, G, K, d)
    xw = windows(x, batch.win_mask.shape[2])                    # (nb, G, 2W+1, d)
    sp = np.matmul(x, yc.transpose(0, 2, 1))                    # (nb, P, G)
    sn = np.matmul(xw, yn.transpose(0, 1, 3, 2))                # (nb, G, 2W+1, K)
    return x, yc, yn, xw, sp, sn


def loss_from_scores(sp, sn, batch) -> float:
    pos = (softplus(-sp) * batch.pos_mask).sum(dtype=np.float64)
    neg = (softplus(sn).sum(axis=3, dtype=np.float64) * batch.win_mask).sum() * batch.neg_weight
    return float(pos + neg)


def window_batch_loss(w_in, w_out, batch) -> float:
    """Total loss of a batch at the current parameters (no update)."""
    _, _, _, _, sp, sn = _scores(w_in, w_out, batch)
    return loss_from_scores(sp, sn, batch)


def add_windows(dx, t):
    """dx[:, g + c] += t[:, g, c] for every window g and row c: the windows' steps back onto the span."""
    G, width = t.shape[1], t.shape[2]
    for c in range(width):
        dx[:, c:c + G] += t[:, :, c]


def window_ns_step(w_in, w_out, batch, lr, want_loss=True, damping=True, acc=None):
    """One SGD step on `batch` (a `WindowBatch`), updating `w_in` and `w_out` in place (lock-free under Hogwild).

    Returns (loss, positive pairs); the loss is 0.0 when `want_loss` is False. `damping=False` is the plain
    gradient step of `window_batch_loss`."""
    x, yc, yn, xw, sp, sn = _scores(w_in, w_out, batch)
    loss = loss_from_scores(sp, sn, batch) if want_loss else 0.0
    sig_p, sig_n = sigmoid_inplace(sp), sigmoid_inplace(sn)
    if damping:
        h_p = sig_p * (1.0 - sig_p)
        h_p *= batch.pos_mask
        h_n = sig_n * (1.0 - sig_n)
        h_n *= (batch.neg_weight * batch.win_mask)[..., None]
    gp = np.subtract(1.0, sig_p, out=sig_p)                     # lr * (1 - sigma(sp)) on pairs
    gp *= batch.pos_mask
    gp *= np.float32(lr)
    gn = sig_n                                                  # -lr * w * sigma(sn) on a pair's negatives
    gn *= (np.float32(-lr * batch.neg_weight) * batch.win_mask)[..., None]
    dx = np.matmul(gp, yc)                                      # (nb, P, d)
    add_windows(dx, np.matmul(gn, yn))                          # (nb, G, 2W+1, K) @ (nb, G, K, d)
    dyc = np.matmul(gp.transpose(0, 2, 1), x)                   # (nb, G, d)
    dyn = np.matmul(gn.transpose(0, 1, 3, 2), xw)               # (nb, G, K, d)
    nb, G, K = batch.neg_ids.shape
    out_ids = np.concatenate([batch.center_ids, batch.neg_ids.reshape(nb, G * K)], axis=1)   # (nb, G + G*K)
    dy = np.concatenate([dyc, dyn.reshape(nb, G * K, -1)], axis=1)                          # (nb, G + G*K, d)
    if damping:
        if acc is None:
            acc = np.zeros(max(len(w_in), len(w_out)), dtype=np.float64)
        x_sq, yc_sq, yn_sq = squared_norms(x), squared_norms(yc), np.einsum("bgkd,bgkd->bgk", yn, yn)
        # output rows: the trace of each entry's Hessian, lr * sum_terms h |x|^2, summed over the row's entries
        a_ctr = np.matmul(x_sq[:, None, :], h_p)[:, 0, :]                                    # (nb, G)
        a_neg = np.einsum("bgck,bgc->bgk", h_n, windows(x_sq[..., None], h_n.shape[2])[..., 0])   # (nb, G, K)
        a_out = row_totals(out_ids, lr * np.concatenate([a_ctr, a_neg.reshape(nb, G * K)], axis=1), acc)
        dy *= overshoot_factor(a_out)[..., None]
        # input rows: the trace bound, lr * sum_terms h |y|^2, summed over the row's entries
        a_in = np.matmul(h_p, yc_sq[..., None])[..., 0]                                      # (nb, P)
        t = np.einsum("bgck,bgk->bgc", h_n, yn_sq)                                           # (nb, G, 2W+1)
        add_windows(a_in[..., None], t[..., None])
        a_in = row_totals(batch.span_ids, lr * a_in, acc)
        if a_in.max(initial=0.0) > 1.0:
            dx *= overshoot_factor(a_in)[..., None]
        y_sq_max = max(float(yc_sq.max(initial=0.0)), float(yn_sq.max(initial=0.0)))
        limit_score_steps(dx, batch.span_ids, y_sq_max, acc)
        limit_score_steps(dy, out_ids, float(x_sq.max(initial=0.0)), acc)
    scatter_add_rows(w_in, batch.span_ids, dx)
    scatter_add_rows(w_out, out_ids, dy)
    return loss, batch.n_pairs
