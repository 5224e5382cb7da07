"""Skip-gram with hierarchical softmax (word2vec.c's -hs 1): pure functions over arrays.

As word2vec.c, each context word's input vector predicts the center's Huffman path (huffman.py): at each inner
node, sigma(x_context . w_hs[node]) -> 1 - code. A batch has `sgns.Batch`'s center layout: block b holds G centers
and the span of their G + 2W positions, so center g's window is span columns g .. g + 2W, and the span's input
vectors are read once and viewed as every center's window (no copy):

    x  = w_in[span]                     (nb, P, d)       xw = x's windows     (nb, G, d, 2W + 1)
    yh = w_hs[path of each center]      (nb, G, L, d)    s  = yh @ xw          (nb, G, L, 2W + 1)

A term (center g, node l, offset j) counts when node l is on g's path and offset j is one of its contexts.
Loss  L = sum over terms softplus((2 code - 1) s); the update is plain SGD on it, with the skip-gram kernel's
damping (sgns.py): a node row that many terms step at once (the root is on every path) stops at the minimum along
it (its curvature trace), so do input rows, on their exact curvature along their own step (`input_curvatures`)
wherever the trace says they might go past it, and the trust region bounds every row's move of a score. An input
row's terms are ~log2(V) nodes per context, and the trace, which counts every node's whole |w_hs[node]|^2, overstated
that curvature enough to cut the steps of rows that were nowhere near their minimum: rare words, above all when a
rank of a distributed run steps R/2 times as far (their vectors came out shorter; docs/DISTRIBUTED.md).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .sgns import (damp_rows, gather_rows, limit_score_steps, row_totals, scatter_add_rows, sigmoid_inplace,
                   softplus, squared_norms)


def path_labels(tree, words):
    """The target at each node of each word's path: 1 - code, as word2vec.c (float32, shape words.shape + (L,))."""
    return (1 - tree.codes[words]).astype(np.float32)


def path_mask(tree, words):
    """1 where step l is on the word's path (l < its code length), else 0: float32, words.shape + (L,)."""
    return (np.arange(tree.codes.shape[1]) < tree.lengths[words][..., None]).astype(np.float32)


def path_loss(s, label, weight):
    """sum weight * softplus((2 code - 1) s) over a batch's path terms: label 1 - code, as `path_labels`."""
    return float((softplus(np.where(label > 0, -s, s)) * weight).sum(dtype=np.float64))


def window_mask(batch):
    """(nb, G, 2W + 1) float32: center g's span column g + j is one of its contexts (offset j - W)."""
    G, P = batch.pos_mask.shape[1:]
    cols = np.arange(G)[:, None] + np.arange(P - G + 1)[None, :]                      # (G, 2W + 1)
    return batch.pos_mask[:, np.arange(G)[:, None], cols].astype(np.float32)


def _forward(w_in, w_hs, batch, tree):
    p = batch.span
    G = batch.in_ids.shape[1]
    x = gather_rows(w_in, batch.out_ids[:, :p])                        # (nb, P, d)
    xw = sliding_window_view(x, p - G + 1, axis=1)                     # (nb, G, d, 2W + 1), a view
    centers = batch.in_ids
    nodes = tree.points[centers]                                       # (nb, G, L)
    yh = gather_rows(w_hs, nodes)                                      # (nb, G, L, d)
    s = np.matmul(yh, xw)                                              # (nb, G, L, d) @ (nb, G, d, 2W+1)
    valid = path_mask(tree, centers)[..., None] * window_mask(batch)[:, :, None, :]     # (nb, G, L, 2W + 1)
    return x, xw, nodes, yh, s, valid, path_labels(tree, centers)[..., None]


def sg_hs_loss(w_in, w_hs, batch, tree) -> float:
    """The batch's total hierarchical-softmax loss at the current parameters (no update)."""
    _, _, _, _, s, valid, label = _forward(w_in, w_hs, batch, tree)
    return path_loss(s, label, valid)


def sg_hs_step(w_in, w_hs, batch, lr, tree, want_loss=True, damping=True, acc=None):
    """One SGD step of skip-gram HS on `batch`, in place (lock-free under Hogwild). Returns (loss, pairs)."""
    x, xw, nodes, yh, s, valid, label = _forward(w_in, w_hs, batch, tree)
    loss = path_loss(s, label, valid) if want_loss else 0.0
    sig = sigmoid_inplace(s)
    g = lr * valid * (label - sig)                                     # (nb, G, L, 2W + 1): -lr dL/ds
    nb, G, L, J = g.shape
    dyh = np.matmul(g, xw.transpose(0, 1, 3, 2))                       # (nb, G, L, J) @ (nb, G, J, d)
    dxw = np.matmul(g.transpose(0, 1, 3, 2), yh)                       # (nb, G, J, L) @ (nb, G, L, d)
    dx = _to_span(dxw)                                                 # (nb, P, d)
    span_ids = batch.out_ids[:, :batch.span]
    node_ids = nodes.reshape(nb, G * L)
    dyh = dyh.reshape(nb, G * L, -1)
    if damping:
        if acc is None:
            acc = np.zeros(max(len(w_in), len(w_hs)), dtype=np.float64)
        h = valid * sig * (1.0 - sig)                                  # (nb, G, L, J): each term's curvature
        x_sq = squared_norms(x)                                        # (nb, P)
        yh_sq = np.einsum("bgld,bgld->bgl", yh, yh)                    # (nb, G, L)
        a_node = np.matmul(h, sliding_window_view(x_sq, J, axis=1)[..., None])[..., 0]     # (nb, G, L)
        damp_rows(dyh, node_ids, lr * a_node.reshape(nb, G * L), acc)
        a_in = _to_span(np.einsum("bglj,bgl->bgj", h, yh_sq)[..., None])[..., 0]           # (nb, P): traces
        if row_totals(span_ids, lr * a_in, acc).max(initial=0.0) > 1.0:   # else the trace, an upper bound, cuts none
            damp_rows(dx, span_ids, lr * input_curvatures(h, yh, dx), acc)
        limit_score_steps(dx, span_ids, float(yh_sq.max(initial=0.0)), acc)
        limit_score_steps(dyh, node_ids, float(x_sq.max(initial=0.0)), acc)
    scatter_add_rows(w_in, span_ids, dx)
    scatter_path_rows(w_hs, node_ids, dyh, valid.any(axis=3).reshape(nb, G * L))
    return loss, int(batch.n_pairs)


def input_curvatures(h, yh, dx):
    """Each span entry's curvature along its own step: sum over its terms h (w_hs[node] . dx)^2 / |dx|^2 (the
    Rayleigh quotient of its terms' Hessian, which the trace bounds from above).

    `h` (nb, G, L, J): each term's sigma'; `yh` (nb, G, L, d): the path rows; `dx` (nb, P, d): the span's steps.
    """
    proj = np.matmul(yh, sliding_window_view(dx, h.shape[3], axis=1))   # (nb, G, L, d) @ (nb, G, d, J)
    proj *= proj
    proj *= h
    return _to_span(proj.sum(axis=2)[..., None])[..., 0] / np.maximum(squared_norms(dx), np.float32(1e-30))


def scatter_path_rows(w_hs, node_ids, steps, on_path):
    """w_hs[node] += step for the entries on a path only: paths are padded to the longest code of the batch,
    about twice the mean length, and the padding's zero steps would cost as much to scatter as the real ones."""
    keep = np.flatnonzero(on_path.reshape(-1))
    scatter_add_rows(w_hs, node_ids.reshape(-1)[keep], steps.reshape(-1, steps.shape[-1])[keep])


def _to_span(per_window):
    """Sum each center's window entries (nb, G, J, k) back onto the span positions they are: (nb, G + J - 1, k)."""
    nb, G, J, k = per_window.shape
    out = np.zeros((nb, G + J - 1, k), dtype=per_window.dtype)
    for j in range(J):                                                 # J = 2W + 1 shifted adds
        out[:, j:j + G] += per_window[:, :, j]
    return out
