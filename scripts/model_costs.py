"""What each of the four models costs per corpus token, on one core, and where a model's kernel time goes.

    OPENBLAS_NUM_THREADS=1 python scripts/model_costs.py DATA_DIR [--sentences 20000] [--profile cbow]

For each model (skip-gram / CBOW x negative sampling / hierarchical softmax, at the defaults otherwise) the
library's own `make_batch` builds the batches of the first SENTENCES sentences, the library's own `models.step`
trains one pass over them (so the vectors are not all at their start), then the best of 3 timed passes is
reported in microseconds per raw corpus token. `--profile NAME` adds a cProfile table of that model's kernel.
"""
import argparse
import cProfile
import pstats
import time

import numpy as np

from hogwild_w2v import models
from hogwild_w2v.batching import chunk_bounds, iter_chunks, keep_probabilities, negative_cdf
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data
from hogwild_w2v.resume import init_model

MODELS = {"sg-ns": dict(), "sg-hs": dict(hs=True, negative=0), "cbow-ns": dict(model="cbow"),
          "cbow-hs": dict(model="cbow", hs=True, negative=0)}


def batches_for(data, cfg, sentences):
    rng = np.random.default_rng(1)
    kp, cdf = keep_probabilities(data.counts, cfg.sample), negative_cdf(data.counts, cfg.ns_exponent)
    stop = min(sentences, len(data.offsets) - 1)
    bounds = chunk_bounds(np.asarray(data.offsets[:stop + 1]), cfg.chunk_words)
    t0 = time.perf_counter()
    batches = [b for _, tok, sent in iter_chunks(data.corpus, data.offsets, bounds)   # as the worker cuts them
               for b in models.batch_for(cfg, tok, sent, kp, cdf, rng).split(cfg.batch_words)]
    return batches, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("--sentences", type=int, default=20000)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--profile", choices=list(MODELS))
    args = ap.parse_args()
    data = open_data(args.data_dir)
    print("us per raw corpus token, one core (best of 3 passes)")
    print("| model | make_batch | kernel | total | words/s |\n|---|---:|---:|---:|---:|")
    for name in args.models:
        cfg = TrainConfig(**MODELS[name])
        batches, prep = batches_for(data, cfg, args.sentences)
        raw = sum(b.raw_words for b in batches)
        mats = init_model(cfg, len(data.words))
        tree = models.tree_for(cfg, data.counts)
        acc = np.zeros(len(data.words))
        passes = []
        for _ in range(4):                    # the first pass warms the vectors up and is not counted
            t0 = time.perf_counter()
            for b in batches:
                models.step(cfg, mats, b, cfg.lr, tree, want_loss=False, acc=acc)
            passes.append(time.perf_counter() - t0)
        kernel = min(passes[1:])
        print(f"| {name} | {prep / raw * 1e6:.2f} | {kernel / raw * 1e6:.2f} | {(prep + kernel) / raw * 1e6:.2f} | "
              f"{raw / (prep + kernel) / 1e3:.0f}k |")
        if name == args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for b in batches:
                models.step(cfg, mats, b, cfg.lr, tree, want_loss=False, acc=acc)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
