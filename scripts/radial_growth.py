"""Which side a kernel lengthens: from one trained state, train N chunks and report the radial growth
sum(w . dw) of the input rows and of the output rows, for hw2v's batched kernel (variants by TrainConfig fields)
and for word2vec.c's sequential per-pair loop (`reference.pair_update`, word2vec.c's direction and draws).

    python scripts/radial_growth.py DATA PREFIX [--chunks 40] [--lr 0.01] [--set group=1,shared_negatives=30] ...

PREFIX names a trained model (PREFIX_center.npy, PREFIX_context.npy: skip-gram, negative sampling). Each
variant starts from the same state and sees the same chunks (its own random draws); plain SGD steps unless
`damping=True` is set. For the exact loop every positive pair's and negative's term is one sequential step, so
the input and output sides grow alike; a batched step sums stale terms, and a row with many terms in one call
(a negative shared by a block's centers, a frequent context in overlapping windows) takes a longer step than
the same terms taken one after another. docs/BENCHMARKS.md (round 7) relates the tilt to the vectors' lengths.
"""
import argparse
import os
import sys

import numpy as np

from hogwild_w2v.batching import chunk_bounds, iter_chunks, keep_probabilities, negative_cdf
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data
from hogwild_w2v.models import batch_for
from hogwild_w2v.sgns import sgns_step

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity import _num  # noqa: E402  (--set's KEY=VALUE parsing, as parity.py's)
from reference import pair_update  # noqa: E402  (the exact loop's one pair)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("prefix")
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--set", dest="variants", action="append", default=[],
                    help="KEY=VALUE,... TrainConfig fields of one batched variant (repeatable; the defaults run too)")
    ap.add_argument("--no-exact", action="store_true", help="skip word2vec.c's loop (the slow one)")
    args = ap.parse_args()
    d = open_data(args.data)
    w_in0 = np.load(args.prefix + "_center.npy").astype(np.float64)
    w_out0 = np.load(args.prefix + "_context.npy").astype(np.float64)
    base = TrainConfig()
    kp, cdf = keep_probabilities(d.counts, base.sample), negative_cdf(d.counts)
    bounds = chunk_bounds(d.offsets, base.chunk_words)
    runs = [("defaults", {})] + [(v, {k: _num(x) for k, x in (kv.split("=", 1) for kv in v.split(","))})
                                 for v in args.variants]
    print("| trainer | input rows: radial growth | output rows: radial growth | input share |\n|---|---|---|---|")
    for name, over in runs:
        cfg = TrainConfig(**{**base.to_dict(), "damping": False, **over}).validate()
        w_in, w_out = w_in0.copy(), w_out0.copy()
        keep = keep_probabilities(d.counts, cfg.sample)
        for k, tokens, sent in iter_chunks(d.corpus, d.offsets, bounds, 0, args.chunks):
            batch = batch_for(cfg, tokens, sent, keep, cdf, np.random.default_rng(k))
            for part in batch.split(cfg.batch_words):
                sgns_step(w_in, w_out, part, args.lr, want_loss=False, damping=cfg.damping)
        report(f"hw2v {name}", w_in0, w_in, w_out0, w_out)
    if not args.no_exact:
        w_in, w_out = w_in0.copy(), w_out0.copy()
        labels = np.zeros(base.negative + 1)
        labels[0] = 1.0
        V = len(d.counts)
        for k, tokens, sent in iter_chunks(d.corpus, d.offsets, bounds, 0, args.chunks):
            rng = np.random.default_rng(k)
            t, st = np.asarray(tokens, dtype=np.int64), np.asarray(sent)
            keep = rng.random(len(t)) < kp[t]
            t, st = t[keep], st[keep]
            radius = rng.integers(1, base.window + 1, size=len(t))
            for i in range(len(t)):
                for j in range(max(0, i - radius[i]), min(len(t), i + radius[i] + 1)):
                    if j == i or st[j] != st[i]:
                        continue
                    negs = np.searchsorted(cdf, rng.random(base.negative), side="right").clip(max=V - 1)
                    negs = negs[negs != t[i]]
                    pair_update(w_in, w_out, t[j], np.concatenate([[t[i]], negs]), labels[:1 + len(negs)], args.lr)
        report("word2vec.c's loop", w_in0, w_in, w_out0, w_out)


def report(name, a0, a, b0, b):
    ri, ro = float((a0 * (a - a0)).sum()), float((b0 * (b - b0)).sum())
    print(f"| {name} | {ri:.2f} | {ro:.2f} | {ri / (ri + ro):.2f} |", flush=True)


if __name__ == "__main__":
    main()
