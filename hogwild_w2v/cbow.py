"""The CBOW kernel (word2vec.c's -cbow 1), with negative sampling, hierarchical softmax or both: pure functions.

A batch has `sgns.Batch`'s center layout (`batching.make_batch(model="cbow")`): block b holds G centers and the
span of their G + 2*window positions; `pos_mask[b, g, c]` says span position c is in center g's drawn window and
sentence. Per center:

    hid_g = sum_c m[g, c] x_c,  m = pos_mask / n_g (mean, the default) or pos_mask (sum)        (nb, G, d)
    NS:  hid_g predicts w_out[center] (label 1) and the block's Kb shared negatives (label 0, weight
         negative / Kb each: `negative` per center in expectation);
    HS:  hid_g predicts the center's Huffman path: sigma(hid_g . w_hs[node]) -> 1 - code at each node.

Loss (per center with at least one context word; centers alone in their sentence are skipped, as word2vec.c):
    L = sum softplus(-s_pos) + sum w * softplus(s_neg) + sum_nodes softplus((2 code - 1) s_node)
The update is plain SGD on w_out, w_hs and on hid: hid's step goes back to each context input vector
*undivided* for the mean, as word2vec.c does, and divided by n_g for the sum, as gensim's cbow_mean=0 does; either
way hid itself moves by exactly lr x its gradient (an undivided sum would move it n_g times that). The damping
is the skip-gram kernel's (sgns.py), on the curvature traces: output rows and each center's hidden step stop at
the minimum along them, input rows that many windows step at once stop at their summed share, and the trust
region bounds every row's move of a score.
"""
from __future__ import annotations

import numpy as np

from .hs import path_labels, path_loss, path_mask, scatter_path_rows
from .sgns import (damp_rows, gather_rows, limit_score_steps, overshoot_factor, scatter_add_rows, sigmoid_inplace,
                   softplus, squared_norms)


def context_weights(batch, mean=True):
    """(m, back, n): m (nb, G, P) float32, each context's weight in its center's hidden vector (1 / n_g for the
    mean, 1 for the sum); back, the share of the hidden vector's step each context takes (1 for the mean, 1 / n_g
    for the sum); n (nb, G), contexts per center."""
    ones = batch.pos_mask.astype(np.float32)
    n = ones.sum(axis=2)
    divided = ones / np.maximum(n, 1.0)[..., None]
    return (divided, ones, n) if mean else (ones, divided, n)


def _forward(w_in, w_out, w_hs, batch, tree, mean):
    """Everything the loss and the step share: the hidden vectors, the gathered outputs and every score."""
    p = batch.span
    m, back, n = context_weights(batch, mean)
    has = (n > 0).astype(np.float32)                                   # (nb, G): centers that predict
    x = gather_rows(w_in, batch.out_ids[:, :p])                        # (nb, P, d): the span's input vectors
    hid = np.matmul(m, x)                                              # (nb, G, P) @ (nb, P, d) -> (nb, G, d)
    f = {"m": m, "back": back, "n": n, "has": has, "x": x, "hid": hid}
    if w_out is not None:
        ids = np.concatenate([batch.in_ids, batch.out_ids[:, p:]], axis=1)   # (nb, G + Kb): centers, negatives
        y = gather_rows(w_out, ids)                                    # (nb, G + Kb, d)
        G = batch.in_ids.shape[1]
        f.update(ns_ids=ids, y=y, s_pos=np.einsum("bgd,bgd->bg", hid, y[:, :G]),              # (nb, G)
                 s_neg=np.matmul(hid, y[:, G:].transpose(0, 2, 1)))                           # (nb, G, Kb)
    if w_hs is not None:
        centers = batch.in_ids
        nodes = tree.points[centers]                                   # (nb, G, L)
        path = path_mask(tree, centers) * has[..., None]               # (nb, G, L) 0/1: nodes of centers that predict
        yh = gather_rows(w_hs, nodes)                                  # (nb, G, L, d)
        s_hs = np.matmul(yh, hid[..., None])[..., 0]                   # (nb, G, L, d) @ (nb, G, d, 1) -> (nb, G, L)
        f.update(nodes=nodes, path=path, label=path_labels(tree, centers), yh=yh, s_hs=s_hs)
    return f


def cbow_loss(w_in, w_out, w_hs, batch, tree=None, mean=True) -> float:
    """The batch's total loss at the current parameters (no update). `w_out` None: no NS; `w_hs` None: no HS."""
    return _loss(_forward(w_in, w_out, w_hs, batch, tree, mean), batch)


def _loss(f, batch):
    total = 0.0
    if "s_pos" in f:
        total += float((softplus(-f["s_pos"]) * f["has"]).sum(dtype=np.float64))
        total += float((softplus(f["s_neg"]).sum(axis=2, dtype=np.float64) * batch.neg_weight).sum())
    if "s_hs" in f:
        total += path_loss(f["s_hs"], f["label"], f["path"])
    return total


def cbow_step(w_in, w_out, w_hs, batch, lr, tree=None, mean=True, want_loss=True, damping=True, acc=None):
    """One SGD step of CBOW on `batch`, in place (lock-free under Hogwild). Returns (loss, centers predicted)."""
    f = _forward(w_in, w_out, w_hs, batch, tree, mean)
    loss = _loss(f, batch) if want_loss else 0.0
    hid, has = f["hid"], f["has"]
    hid_sq = np.einsum("bgd,bgd->bg", hid, hid)                        # (nb, G)
    g_hid = np.zeros_like(hid)                                         # -lr dL/dhid, (nb, G, d)
    trace_hid = np.zeros_like(has)                                     # curvature trace of each hid, (nb, G)
    out_steps = []                                                     # (matrix, row ids, steps) to scatter
    out_sq_max = 0.0                                                   # the longest output vector, squared
    if acc is None:
        acc = np.zeros(max(len(w_in), len(w_out) if w_out is not None else 0,
                           len(w_hs) if w_hs is not None else 0), dtype=np.float64)
    if w_out is not None:
        G = has.shape[1]
        y, sp, sn = f["y"], sigmoid_inplace(f["s_pos"]), sigmoid_inplace(f["s_neg"])
        g_pos = lr * has * (1.0 - sp)                                  # (nb, G)
        w = batch.neg_weight[..., None]
        g_neg = -lr * w * sn                                           # (nb, G, Kb)
        g_hid += g_pos[..., None] * y[:, :G] + np.matmul(g_neg, y[:, G:])
        dy = np.concatenate([g_pos[..., None] * hid, np.matmul(g_neg.transpose(0, 2, 1), hid)], axis=1)
        if damping:
            h_pos, h_neg = has * sp * (1.0 - sp), w * sn * (1.0 - sn)  # (nb, G), (nb, G, Kb)
            y_sq = squared_norms(y)
            out_sq_max = float(y_sq.max())
            trace_hid += h_pos * y_sq[:, :G] + np.matmul(h_neg, y_sq[:, G:, None])[..., 0]
            a_out = np.concatenate([h_pos * hid_sq, np.matmul(hid_sq[:, None, :], h_neg)[:, 0]], axis=1)
            damp_rows(dy, f["ns_ids"], lr * a_out, acc)
        out_steps.append((w_out, f["ns_ids"], dy))
    if w_hs is not None:
        yh, path, sh = f["yh"], f["path"], sigmoid_inplace(f["s_hs"])
        g = lr * path * (f["label"] - sh)                              # (nb, G, L)
        g_hid += np.matmul(g[..., None, :], yh)[..., 0, :]             # (nb, G, 1, L) @ (nb, G, L, d)
        dyh = g[..., None] * hid[:, :, None, :]                        # (nb, G, L, d)
        if damping:
            h = path * sh * (1.0 - sh)
            yh_sq = np.einsum("bgld,bgld->bgl", yh, yh)                # (nb, G, L)
            out_sq_max = max(out_sq_max, float(yh_sq.max()))
            trace_hid += (h * yh_sq).sum(axis=2)
            damp_rows(dyh, f["nodes"], lr * h * hid_sq[..., None], acc)
        nb, G, L, d = dyh.shape
        out_steps.append((w_hs, f["nodes"].reshape(nb, G * L), dyh.reshape(nb, G * L, d)))
        on_path = path.reshape(nb, G * L) > 0
    m, span_ids = f["m"], batch.out_ids[:, :batch.span]
    if damping:
        g_hid *= overshoot_factor(lr * trace_hid)[..., None]
    dx = np.matmul(f["back"].transpose(0, 2, 1), g_hid)                # (nb, P, G) @ (nb, G, d)
    if damping:
        # each entry's share of the hidden moves: its step times its weight in hid, lr x trace per center
        a_in = np.matmul(lr * trace_hid[:, None, :], m * f["back"])[:, 0, :]              # (nb, P)
        damp_rows(dx, span_ids, a_in, acc)
        limit_score_steps(dx, span_ids, out_sq_max, acc)
        for _, ids, d_ in out_steps:
            limit_score_steps(d_, ids, float(hid_sq.max(initial=0.0)), acc)
    scatter_add_rows(w_in, span_ids, dx)
    for mat, ids, d_ in out_steps:
        if mat is w_hs:
            scatter_path_rows(mat, ids, d_, on_path)
        else:
            scatter_add_rows(mat, ids, d_)
    return loss, int(has.sum())
