"""Where the kernel's time goes, on one core (docs/BENCHMARKS.md).

    OPENBLAS_NUM_THREADS=1 python scripts/profile_kernel.py DATA_DIR [--window 5 --negative 5 ...]

Builds the batches of the first 20,000 sentences with the library's own `iter_chunks` / `make_batch`, then runs
the library's own `sgns.sgns_step` over them (from a model trained 1 epoch, so the damping sees real vectors)
under cProfile, and prints microseconds per corpus token for each kernel function. It never re-implements a stage,
so it cannot drift from what trains.
"""
import argparse
import cProfile
import pstats
import time

import numpy as np

from hogwild_w2v import models, sgns
from hogwild_w2v.batching import chunk_bounds, iter_chunks, keep_probabilities, negative_cdf
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data
from hogwild_w2v.resume import init_matrices


def warm_batches(data_dir, cfg, sentences):
    """(batches of the first `sentences` sentences, prepare seconds, raw tokens, w_in, w_out, row-total buffer),
    the matrices trained one pass over those batches so that the damping sees real vectors. The library's own
    `iter_chunks` / `make_batch` / `sgns_step` throughout (kernel_costs.py and stage_split_cost.py use it too)."""
    data = open_data(data_dir)
    rng = np.random.default_rng(1)
    V = len(data.words)
    w_in, w_out = init_matrices(V, cfg.dim, cfg.seed)
    kp, cdf = keep_probabilities(data.counts, cfg.sample), negative_cdf(data.counts)
    stop = min(sentences, len(data.offsets) - 1)
    bounds = chunk_bounds(np.asarray(data.offsets[:stop + 1]), cfg.chunk_words)
    t0 = time.perf_counter()
    batches = [b for _, tok, sent in iter_chunks(data.corpus, data.offsets, bounds)   # as the worker cuts them
               for b in models.batch_for(cfg, tok, sent, kp, cdf, rng).split(cfg.batch_words)]
    prep = time.perf_counter() - t0
    acc = np.zeros(V)
    for b in batches:                      # warm up: one pass, so the vectors are those of a trained model
        sgns.sgns_step(w_in, w_out, b, cfg.lr, want_loss=False, acc=acc)
    return batches, prep, sum(b.raw_words for b in batches), w_in, w_out, acc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("--sentences", type=int, default=20000)
    ap.add_argument("--damping", choices=["on", "off"], default="on")
    for key in ("window", "negative", "dim", "batch_words", "group"):
        ap.add_argument("--" + key.replace("_", "-"), type=int, default=getattr(TrainConfig, key))
    args = ap.parse_args()
    cfg = TrainConfig(window=args.window, negative=args.negative, dim=args.dim, batch_words=args.batch_words,
                      group=args.group)
    batches, prep, raw, w_in, w_out, acc = warm_batches(args.data_dir, cfg, args.sentences)
    damping = args.damping == "on"
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for b in batches:
        sgns.sgns_step(w_in, w_out, b, cfg.lr, want_loss=False, damping=damping, acc=acc)
    prof.disable()
    total = time.perf_counter() - t0
    print(f"{len(batches)} batches, {raw:,} tokens; prepare {prep / raw * 1e6:.2f} us/token, "
          f"kernel {total / raw * 1e6:.2f} us/token (under the profiler)")
    stats = pstats.Stats(prof).stats
    for (path, _, name), (_, _, tottime, cumtime, _) in sorted(stats.items(), key=lambda kv: -kv[1][3]):
        if path.endswith("sgns.py"):
            print(f"  {name:<22} {cumtime / raw * 1e6:6.2f} us/token (own {tottime / raw * 1e6:.2f})")


if __name__ == "__main__":
    main()
