"""Lab 2: R ranks with persistent replicas (no MPI), 3 epochs of the bench corpus; saves PREFIX_center.npy.

argv: DATA PREFIX R SEED. Each rank at R/K x the rate. The TOP (1,024) most frequent rows are synced every SUBP
chunks a rank: base + K_TOP (default K) x the mean move, the rows settling within SUBP chunks (SETTLED, default as
`settled_rows`) the mean end point + (1 - f/R) x drift; the other rows every P (24) chunks a rank, base + K x the
mean move. CB: kernel calls a chunk (4: 1,024 words; 1: 256 words, one batch). SUBP = P with K = 2 is the shipped
rule without tiers. OVL=1: the top rows' agreement lands one sub-period late, each replica keeping what it
learnt since (rows += agreed - the copy that was all-reduced), as --sync-overlap does. TIERS=1: the rest tiered as
the trainer tiers them (TOP x 2^j rows at sub-period sync k, every row at every FULLK-th (8) and at epoch ends)."""
import os
import sys

import numpy as np
from hogwild_w2v.distributed import DRIFT_DECAY, settled_rows
from hogwild_w2v.resume import init_model

from labcommon import Run, SettledRule

run = Run(sys.argv)
R, V = run.R, run.V
P = int(os.environ.get("P", "24"))
SUBP = int(os.environ.get("SUBP", str(P)))
TOP = int(os.environ.get("TOP", "1024"))
K = float(os.environ.get("K", "2"))
K_TOP = float(os.environ.get("K_TOP", str(K)))
fac = R / K
settled = min(TOP, int(os.environ.get("SETTLED", settled_rows(run.data.counts, SUBP * run.cfg.chunk_words))))
decay = DRIFT_DECAY ** (SUBP * run.cfg.chunk_words / 24576)     # over ~250,000 words a rank, as shipped
run.log(f"R={R} settled={settled} rate x{fac} drift decay {decay:.4f}")
base = init_model(run.cfg, V)
reps = [{k: v.copy() for k, v in base.items()} for _ in range(R)]
rule = SettledRule(R, fac, decay)


OVL = os.environ.get("OVL") == "1"     # the hot tier's agreement lands one sub-period late (as --sync-overlap)
pending = None


def combine(lo, hi, gain, with_settled):
    global pending
    if OVL and with_settled:
        if pending is not None:                 # rows += agreed - the copy they were taken from
            agreed, copies = pending
            for k in base:
                for rep, copy in zip(reps, copies):
                    rep[k][lo:hi] += agreed[k] - copy[k]
        copies = [{k: rep[k][lo:hi].copy() for k in base} for rep in reps]
    for k in base:
        moves = sum(rep[k][lo:hi] - base[k][lo:hi] for rep in reps)
        new = base[k][lo:hi] + moves * np.float32(gain / R)
        if with_settled and settled:
            new[:settled] = rule.settled_value(k, base[k][:settled] + moves[:settled] / np.float32(R))
        base[k][lo:hi] = new
        if not (OVL and with_settled):
            for rep in reps:
                rep[k][lo:hi] = new
    if OVL and with_settled:
        pending = ({k: base[k][lo:hi].copy() for k in base}, copies)


FULLK = int(os.environ.get("FULLK", "8"))
TIERS = os.environ.get("TIERS") == "1"   # the rest as the trainer tiers them: TOP x 2^j rows at sync k (2^j the
                                        # largest power of two dividing k), all at every FULLK-th and epoch ends
words, point, k = 0, 0, 0
while point < run.total_chunks:
    nxt = run.next_point(point, SUBP)
    words += sum(run.train(reps[r], point, nxt, r, words, fac) for r in range(R))
    k += 1
    combine(0, TOP, K_TOP, True)
    end = nxt % run.n_chunks == 0 or nxt >= run.total_chunks
    if TIERS:
        rows = V if (k % FULLK == 0 or end) else min(TOP * (k & -k), V)
        if rows > TOP:
            combine(TOP, rows, K, False)
    elif nxt % (R * P) == 0 or end:
        combine(TOP, V, K, False)
    point = nxt
np.save(run.prefix + "_center.npy", base["w_in"])
