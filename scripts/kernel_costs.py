"""What each part of the kernel costs, without a profiler: the library's `sgns_step` timed over the same batches
with parts switched off (one core, best of 3 passes; docs/BENCHMARKS.md).

    OPENBLAS_NUM_THREADS=1 python scripts/kernel_costs.py DATA_DIR [--sentences 20000]

Batches are the first SENTENCES sentences of the corpus at the defaults, built once; the model is first trained
one pass over them so that the damping sees real vectors. Parts are switched off by replacing the library's own
stage functions, so nothing here re-implements the kernel.
"""
import argparse
import time


from hogwild_w2v import sgns
from hogwild_w2v.config import TrainConfig
from profile_kernel import warm_batches


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("--sentences", type=int, default=20000)
    args = ap.parse_args()
    cfg = TrainConfig()
    batches, prepare, raw, w_in, w_out, acc = warm_batches(args.data_dir, cfg, args.sentences)

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
