"""One-period diagnostic: from a checkpoint of a one-process run (argv: DATA CKPT_DIR R M), R simulated ranks
train M periods under the shipped rule (no tiers, no drift), and two one-process runs (other seeds) train the
same chunks. By frequency band of w_in / w_out rows: the ranks' moves' signal (their dot product with the
one-process moves) over the same between the two one-process runs (1.0: the same effective step), the mean
squared moves, and each run's share of signal in them."""
import os
import sys

import numpy as np
from hogwild_w2v.checkpoint import load_latest
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.distributed import settled_rows

from labcommon import Run

data_dir, ckpt, R, M = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
_, mats0, state = load_latest(ckpt)
run = Run([None, data_dir, None, R, 0], epochs=TrainConfig.from_dict(state["config"]).epochs)
P, K = int(os.environ.get("P", "24")), 2.0
c0, w0 = state["next_chunk"], state["words_done"]
settled = settled_rows(run.data.counts, P * run.cfg.chunk_words)


def one(seed):
    mats, words = {k: v.copy() for k, v in mats0.items()}, w0
    rng = np.random.default_rng(seed)
    for p in range(M):
        words += run.train(mats, c0 + p * R * P, c0 + (p + 1) * R * P, 0, words, 1.0, stride=1, rng=rng)
    return mats


def ranks(seed):
    mats, words = {k: v.copy() for k, v in mats0.items()}, w0
    rngs = [np.random.default_rng([seed, r]) for r in range(R)]
    for p in range(M):
        moves = {k: np.zeros_like(v) for k, v in mats.items()}
        for r in range(R):
            m = {k: v.copy() for k, v in mats.items()}
            words += run.train(m, c0 + p * R * P, c0 + (p + 1) * R * P, r, words, R / K, rng=rngs[r])
            for k in m:
                moves[k] += m[k] - mats[k]
        for k in mats:
            new = mats[k] + moves[k] * np.float32(K / R)
            new[:settled] = mats[k][:settled] + moves[k][:settled] / R
            mats[k] = new
    return mats


runs = {"A": one(11), "B": one(12), "R": ranks(13)}
bands = [(0, 16), (16, 256), (256, 1024), (1024, 4096), (4096, 16384), (16384, run.V)]
print(f"{R} ranks, {M} periods of {P} chunks a rank from chunk {c0}; settled rows {settled}")
for k in ("w_in", "w_out"):
    d = {n: runs[n][k] - mats0[k] for n in runs}
    print(k)
    for lo, hi in bands:
        def dot(x, y):
            return float(np.mean(np.sum(x[lo:hi] * y[lo:hi], axis=1)))
        cAB, cR = dot(d["A"], d["B"]), (dot(d["R"], d["B"]) + dot(d["R"], d["A"])) / 2
        nA, nB, nR = dot(d["A"], d["A"]), dot(d["B"], d["B"]), dot(d["R"], d["R"])
        print(f"  {lo:>6}-{hi:<6} signal ranks/one {cR / cAB:6.3f}   |move|^2 one {nA:.4g} / {nB:.4g} ranks {nR:.4g}"
              f"   signal share one {cAB / nA:.3f} ranks {cR / nR:.3f}")
