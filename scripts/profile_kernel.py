"""Where the kernel's time goes, stage by stage, on one core (docs/BENCHMARKS.md, "Where the time goes").

    OPENBLAS_NUM_THREADS=1 python scripts/profile_kernel.py DATA_DIR [--group 48] [--shared-negatives 48]

Builds the batches of the first 20,000 sentences, then runs the steps of `sgns.sgns_step` one by one with a
timer around each, and prints microseconds per corpus token for each stage.
"""
import argparse
import json
import time

import numpy as np

from hogwild_w2v import sgns
from hogwild_w2v.batching import keep_probabilities, make_batch, negative_cdf, sentence_ids
from hogwild_w2v.worker import chunk_end


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("--group", type=int, default=48)
    ap.add_argument("--shared-negatives", type=int, default=48)
    ap.add_argument("--batch-words", type=int, default=1024)
    ap.add_argument("--sentences", type=int, default=20000)
    args = ap.parse_args()
    corpus = np.memmap(f"{args.data_dir}/corpus.bin", dtype="<i4", mode="r")
    off = np.load(f"{args.data_dir}/offsets.npy")
    counts = np.array(json.load(open(f"{args.data_dir}/vocab.json"))["counts"])
    V, d = len(counts), 100
    rng = np.random.default_rng(1)
    w_in = (rng.random((V, d), dtype=np.float32) - 0.5) / d
    w_out = np.zeros((V, d), np.float32)
    kp, cdf = keep_probabilities(counts, 1e-3), negative_cdf(counts)
    t0 = time.perf_counter()
    batches, s, stop = [], 0, min(args.sentences, len(off) - 1)
    while s < stop:
        e = chunk_end(off, s, stop, args.batch_words)
        lo, hi = int(off[s]), int(off[e])
        batches.append(make_batch(corpus[lo:hi], sentence_ids(off[s:e + 1] - lo), kp, cdf, 5, 5, args.group,
                                  args.shared_negatives, rng))
        s = e
    prep = time.perf_counter() - t0
    raw = sum(b.raw_words for b in batches)
    T = {}

    def tick(key, t):
        T[key] = T.get(key, 0.0) + time.perf_counter() - t
        return time.perf_counter()

    for b in batches:
        t = time.perf_counter()
        x, y = w_in[b.centre_ids], w_out[b.out_ids]
        t = tick("gather", t)
        s_ = np.matmul(x, y.transpose(0, 2, 1))
        t = tick("matmul scores", t)
        np.clip(s_, -30, 30, out=s_)
        g = np.exp(-s_, out=s_)
        g += 1
        np.reciprocal(g, out=g)
        gp = g[..., :b.span]
        np.subtract(1.0, gp, out=gp)
        gp *= b.pos_mask
        g[..., b.span:] *= -b.neg_weight[..., None]
        g *= np.float32(0.01)
        t = tick("sigmoid etc.", t)
        dx = np.matmul(g, y)
        dy = np.matmul(g.transpose(0, 2, 1), x)
        t = tick("matmul grads", t)
        dy *= sgns.repeat_damping(b.out_ids, sgns.MAX_REPEATS)[..., None]
        t = tick("damping", t)
        sgns.scatter_add_rows(w_in, b.centre_ids, dx)
        t = tick("scatter w_in", t)
        sgns.scatter_add_rows(w_out, b.out_ids, dy)
        t = tick("scatter w_out", t)
    print(f"G {args.group} Kb {args.shared_negatives}: {len(batches)} batches, {raw:,} tokens")
    print(f"  {'prepare batches':<16} {prep / raw * 1e6:.2f} us/token")
    for k, v in T.items():
        print(f"  {k:<16} {v / raw * 1e6:.2f} us/token")
    print(f"  {'kernel total':<16} {sum(T.values()) / raw * 1e6:.2f} us/token")


if __name__ == "__main__":
    main()
