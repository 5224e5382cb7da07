"""Lab 1: R ranks simulated one after another each period (no MPI), from a fresh model, 3 epochs of the bench
corpus; saves PREFIX_center.npy for ev.py. R = 1: one process (the same vectors as `hw2v train --workers 1`).

argv: DATA PREFIX R SEED. The shipped rule by default: each rank at R/K x the rate (K=2), a sync sets each row to
base + K x the mean move, the settled rows (SETTLED, default as shipped) to the mean end point + (1 - f/R) x
drift; no tiers (every row every P chunks a rank, P=24: the default 25,000 words).
  SHARE_TOP=N   the N most frequent rows are not replicated: the ranks train them one after another, each
                from where the last left them, at 1 x the rate (as one process would); use with K=R, so that
                the kernel's rate is 1 x (else the damping is judged at R/K x and the rows scaled after it).
  SHARE_FROM=N  the same for the rows from N on.
  CURV_HI=N     rows [CURV_LO (the settled ones), N) by the curvature gain: each rank's move weighted by
                y / (1 - e^-Y), Y its rows' accumulated lr x curvature (y at 1 x), the sum x (1 - e^-sum y) /
                sum y; needs the experimental build (curvature-gain.patch: sgns.CURV)."""
import os
import sys

import numpy as np
from hogwild_w2v import sgns
from hogwild_w2v.distributed import DRIFT_DECAY, settled_rows
from hogwild_w2v.resume import init_model

from labcommon import Run, SettledRule

run = Run(sys.argv)
R, V = run.R, run.V
P = int(os.environ.get("P", "24"))
K = float(os.environ.get("K", "2")) if R > 1 else 1.0
fac = R / K
mats = init_model(run.cfg, V)
settled = int(os.environ.get("SETTLED", settled_rows(run.data.counts, P * run.cfg.chunk_words) if R > 1 else 0))
shared_rows = np.zeros(V, bool)
shared_rows[:int(os.environ.get("SHARE_TOP", "0"))] = True
shared_rows[int(os.environ.get("SHARE_FROM", str(V))):] = True
if R > 1 and shared_rows.any() and fac != 1:
    REL = np.where(shared_rows, 1.0 / fac, 1.0).astype(np.float32)
    plain = sgns.scatter_add_rows

    def scaled(mat, ids, rows):
        rows *= REL[ids][..., None]
        plain(mat, ids, rows)
    sgns.scatter_add_rows = scaled
clo, chi = int(os.environ.get("CURV_LO", settled)), int(os.environ.get("CURV_HI", "0"))
run.log(f"R={R} settled={settled} shared={int(shared_rows.sum())} curvature gain on [{clo}, {chi})")

words, point = 0, 0
rule = SettledRule(R, fac, DRIFT_DECAY)
while point < run.total_chunks:
    nxt = run.next_point(point, P)
    if R == 1:
        words += run.train(mats, point, nxt, 0, words, 1.0)
        point = nxt
        continue
    moves = {k: np.zeros_like(v) for k, v in mats.items()}
    shared = {k: v.copy() for k, v in mats.items()}
    if chi:
        cw = {k: np.zeros((chi - clo, v.shape[1]), np.float32) for k, v in mats.items()}
        cy = {k: np.zeros(chi - clo) for k in mats}
    wsum = 0
    for r in range(R):
        if chi:
            cin, cout = np.zeros(V), np.zeros(V)
            sgns.CURV = (cin, cout)
        m = {k: v.copy() for k, v in mats.items()}
        for k in m:
            m[k][shared_rows] = shared[k][shared_rows]
        wsum += run.train(m, point, nxt, r, words, fac)
        for k in m:
            shared[k][shared_rows] = m[k][shared_rows]
            d = m[k] - mats[k]
            d[shared_rows] = 0
            moves[k] += d
            if chi:
                Y = (cin if k == "w_in" else cout)[clo:chi]
                Yc = np.maximum(Y, 1e-9)
                cw[k] += d[clo:chi] * np.where(Y > 1e-9, (Yc / fac) / -np.expm1(-Yc), 1.0 / fac)[:, None]
                cy[k] += Y / fac
    for k in mats:
        new = mats[k] + moves[k] * np.float32(K / R)
        if settled:
            new[:settled] = rule.settled_value(k, mats[k][:settled] + moves[k][:settled] / np.float32(R))
        if chi:
            yc = np.maximum(cy[k], 1e-9)
            gain = np.where(cy[k] > 1e-9, -np.expm1(-yc) / yc, 1.0).astype(np.float32)
            new[clo:chi] = mats[k][clo:chi] + cw[k] * gain[:, None]
        new[shared_rows] = shared[k][shared_rows]
        mats[k] = new
    words += wsum
    point = nxt
np.save(run.prefix + "_center.npy", mats["w_in"])
