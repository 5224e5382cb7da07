"""What each part of the kernel costs, without a profiler: the library's `sgns_step` timed over the same batches
with parts switched off (one core, best of 3 passes; docs/BENCHMARKS.md).

    OPENBLAS_NUM_THREADS=1 python scripts/kernel_costs.py DATA_DIR [--sentences 20000]

Batches are the first SENTENCES sentences of the corpus at the defaults, built once; the model is first trained
one pass over them so that the damping sees real vectors. Parts are switched off by replacing the library's own
stage functions, so nothing here re-implements the kernel.
"""
import argparse
import time

import numpy as np

from hogwild_w2v import sgns
from hogwild_w2v.batching import chunk_bounds, iter_chunks, keep_probabilities, make_batch, negative_cdf
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data
from hogwild_w2v.resume import init_matrices


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("--sentences", type=int, default=20000)
    args = ap.parse_args()
    cfg = TrainConfig()
    data = open_data(args.data_dir)
    V = len(data.words)
    w_in, w_out = init_matrices(V, cfg.dim, cfg.seed)
    rng = np.random.default_rng(1)
    kp, cdf = keep_probabilities(data.counts, cfg.sample), negative_cdf(data.counts)
    stop = min(args.sentences, len(data.offsets) - 1)
    bounds = chunk_bounds(np.asarray(data.offsets[:stop + 1]), cfg.batch_words)
    t0 = time.perf_counter()
    batches = [make_batch(tok, sent, kp, cdf, rng, window=cfg.window, negative=cfg.negative, group=cfg.group,
                          shared_negatives=cfg.negatives_per_block)
               for _, tok, sent in iter_chunks(data.corpus, data.offsets, bounds)]
    prepare = time.perf_counter() - t0
    raw = sum(b.raw_words for b in batches)
    acc = np.zeros(V)
    for b in batches:
        sgns.sgns_step(w_in, w_out, b, cfg.lr, want_loss=False, acc=acc)

    def timed(damping=True):
        best = 1e9
        for _ in range(3):
            a, b_ = w_in.copy(), w_out.copy()
            t = time.perf_counter()
            for b in batches:
                sgns.sgns_step(a, b_, b, cfg.lr, want_loss=False, damping=damping, acc=acc)
            best = min(best, time.perf_counter() - t)
        return best / raw * 1e6

    print(f"{len(batches)} batches, {raw:,} tokens (us per corpus token, one core)")
    print(f"  make_batch (subsample, windows, negatives)   {prepare / raw * 1e6:.2f}")
    print(f"  kernel, damping off (plain batched SGD)      {timed(False):.2f}")
    full = timed()
    print(f"  kernel as it trains                          {full:.2f}")
    keep = sgns.limit_score_steps, sgns._damp_input_rows
    sgns.limit_score_steps = lambda *a, **k: None
    print(f"  ... without the trust region                 {timed():.2f}")
    sgns._damp_input_rows = lambda *a, **k: None
    print(f"  ... and without input-row damping            {timed():.2f}")
    sgns.limit_score_steps, sgns._damp_input_rows = keep


if __name__ == "__main__":
    main()
