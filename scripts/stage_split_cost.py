"""Does splitting `sgns_step` into named stages (issue 10) cost time? The library's `sgns_step` against the same
operations written inline, checked bit-identical first, timed alternately (one core; docs/BENCHMARKS.md).

    OPENBLAS_NUM_THREADS=1 python scripts/stage_split_cost.py DATA_DIR

The inline copy below exists only for this comparison; if the kernel changes, the identity check fails first.
"""
import sys
import time

import numpy as np
from hogwild_w2v import sgns
from hogwild_w2v.sgns import _scores, row_totals, scatter_add_rows, SCORE_STEP
from hogwild_w2v.config import TrainConfig
from profile_kernel import warm_batches

def inline_step(w_in, w_out, batch, lr, acc):
    x, y, s = _scores(w_in, w_out, batch)
    p = batch.span
    np.clip(s, -30.0, 30.0, out=s); sig = np.exp(-s, out=s); sig += 1.0; np.reciprocal(sig, out=sig)
    h = 1.0 - sig; h *= sig; h[..., :p] *= batch.pos_mask; h[..., p:] *= batch.neg_weight[..., None]
    g = sig; gp = g[..., :p]; np.subtract(1.0, gp, out=gp); gp *= batch.pos_mask
    gn = g[..., p:]; gn *= -batch.neg_weight[..., None]; g *= np.float32(lr)
    dx = np.matmul(g, y); dy = np.matmul(g.transpose(0, 2, 1), x)
    x_sq, y_sq = np.einsum("bkd,bkd->bk", x, x), np.einsum("bkd,bkd->bk", y, y)
    a_out = row_totals(batch.out_ids, lr * np.matmul(x_sq[:, None, :], h)[:, 0, :], acc)
    dy *= (1.0 / np.maximum(a_out, 1.0)).astype(np.float32)[..., None]
    total = row_totals(batch.in_ids, lr * np.matmul(h, y_sq[..., None])[..., 0], acc)
    over = total > 1.0
    if over.any():
        bb, aa = np.nonzero(over); step = dx[bb, aa]
        parts = [np.matmul(step[bb == b], y[b].T) for b in np.unique(bb)]
        proj = np.concatenate(parts); proj *= proj; proj *= h[bb, aa]
        exact = proj.sum(axis=1) / np.maximum(np.einsum("md,md->m", step, step), np.float32(1e-30))
        a = row_totals(batch.in_ids[bb, aa], lr * exact, acc)
        dx[bb, aa] = step * (1.0 / np.maximum(a, 1.0)).astype(np.float32)[:, None]
    for d, ids, o in ((dx, batch.in_ids, float(y_sq.max())), (dy, batch.out_ids, float(x_sq.max()))):
        bound = row_totals(ids, np.sqrt(np.einsum("bkd,bkd->bk", d, d)), acc) * np.sqrt(o)
        if bound.max() > SCORE_STEP:
            d *= (SCORE_STEP / np.maximum(bound, SCORE_STEP)).astype(np.float32)[..., None]
    scatter_add_rows(w_in, batch.in_ids, dx); scatter_add_rows(w_out, batch.out_ids, dy)

cfg = TrainConfig()
batches, _, raw, w_in, w_out, acc = warm_batches(sys.argv[1], cfg, 20000)
a1, b1, a2, b2 = w_in.copy(), w_out.copy(), w_in.copy(), w_out.copy()
for b in batches:
    sgns.sgns_step(a1, b1, b, cfg.lr, want_loss=False, acc=acc); inline_step(a2, b2, b, cfg.lr, acc)
print("identical:", np.array_equal(a1, a2) and np.array_equal(b1, b2))
res = {"split": [], "inline": []}
for rep in range(5):
    for name in ("split", "inline"):
        a, bq = w_in.copy(), w_out.copy(); t = time.perf_counter()
        for b in batches:
            (sgns.sgns_step(a, bq, b, cfg.lr, want_loss=False, acc=acc) if name == "split" else inline_step(a, bq, b, cfg.lr, acc))
        res[name].append((time.perf_counter() - t) / raw * 1e6)
for k, v in res.items():
    print(k, "best %.3f median %.3f us/token" % (min(v), sorted(v)[2]))
