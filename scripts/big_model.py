"""A big model on one machine (issue 13): a synthetic Zipf corpus over a 1M-word vocabulary, 100M tokens, dim 300.

    python scripts/big_model.py --workdir /tmp/big [--tokens 100_000_000 --vocab 1_000_000 --dim 300 --workers 2]

Writes the corpus as text (nothing is committed), then measures, each in a fresh process:
  * `hw2v preprocess` (min-count 1): wall time and peak RSS;
  * a 100 MB file with no newline at all (text8's shape): preprocess peak RSS;
  * `hw2v train` for one epoch: words/s over the first and the last 10% of the epoch (from --log-jsonl), the peak
    memory of the whole process tree counted once (the sum of PSS, shared pages split between the processes that
    map them, sampled every second), and the longest checkpoint pause (PREFIX_config.json);
  * writing the outputs: `outputs.save_outputs` timed on the trained matrices (memory-mapped, as the shared ones).
Prints one JSON object.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import psutil

WRAP = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def write_zipf_text(path, tokens, vocab, line_tokens, seed=0, newlines=True, max_bytes=None):
    """`tokens` words "w<id>" with ids ~ Zipf(1) over `vocab` words, `line_tokens` a line (or no newline at all),
    stopping early once the file reaches `max_bytes`."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(1.0 / np.arange(1, vocab + 1))
    cdf /= cdf[-1]
    words = np.array([f"w{i}" for i in range(vocab)], dtype=object)
    sep = "\n" if newlines else " "
    with open(path, "w") as fh:
        done = 0
        while done < tokens:
            n = min(line_tokens * 1000, tokens - done)
            ids = np.minimum(np.searchsorted(cdf, rng.random(n)), vocab - 1)
            lines = [" ".join(words[ids[k:k + line_tokens]]) for k in range(0, n, line_tokens)]
            fh.write(sep.join(lines) + sep)
            done += n
            if max_bytes and fh.tell() >= max_bytes:
                break


def peak_rss_of(cmd):
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", WRAP, *cmd], check=True, capture_output=True, text=True)
    return time.perf_counter() - t, int(r.stdout.strip().splitlines()[-1]) * 1024


def tree_pss(proc):
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--tokens", type=int, default=100_000_000)
    ap.add_argument("--vocab", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--one-line-mb", type=int, default=100)
    ap.add_argument("--checkpoint-every", type=float, default=120.0)
    ap.add_argument("--train-only", action="store_true", help="reuse WORKDIR/data from an earlier run: train only")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)
    hw2v = [sys.executable, "-m", "hogwild_w2v"]
    out = {"tokens": args.tokens, "vocab": args.vocab, "dim": args.dim, "workers": args.workers}

    if not os.path.exists(w("zipf.txt")) and not args.train_only:
        t = time.perf_counter()
        write_zipf_text(w("zipf.txt"), args.tokens, args.vocab, 1000)
        out["generate_s"] = round(time.perf_counter() - t, 1)
    if not args.train_only:
        secs, rss = peak_rss_of([*hw2v, "preprocess", w("zipf.txt"), "--data-dir", w("data"), "--min-count", "1",
                                 "--force", "-q"])
        out["preprocess_s"], out["preprocess_peak_rss_mb"] = round(secs, 1), rss >> 20
    out["vocab_kept"] = json.load(open(w("data/meta.json"))).get("vocab_size")

    if args.one_line_mb and not args.train_only:
        if not os.path.exists(w("oneline.txt")):
            write_zipf_text(w("oneline.txt"), 10 ** 12, args.vocab, 1000, newlines=False,
                            max_bytes=args.one_line_mb << 20)
        secs, rss = peak_rss_of([*hw2v, "preprocess", w("oneline.txt"), "--data-dir", w("data1"), "--min-count",
                                 "1", "--force", "-q"])
        out["one_line_mb"] = os.path.getsize(w("oneline.txt")) >> 20
        out["one_line_preprocess_s"], out["one_line_peak_rss_mb"] = round(secs, 1), rss >> 20

    log = w("train.jsonl")
    if os.path.exists(log):
        os.remove(log)
    t = time.perf_counter()
    proc = psutil.Popen([*hw2v, "train", "--data-dir", w("data"), "--embeddings", w("vec/v"), "--dim", str(args.dim),
                         "--epochs", "1", "--workers", str(args.workers), "--force", "-q", "--log-jsonl", log,
                         "--checkpoint-every", str(args.checkpoint_every)])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss(proc))
        time.sleep(1.0)
    if proc.returncode != 0:
        raise SystemExit(f"train exited {proc.returncode}")
    out["train_s"] = round(time.perf_counter() - t, 1)
    out["train_peak_pss_mb"] = peak >> 20
    out["model_mb"] = (2 * out["vocab_kept"] * args.dim * 4) >> 20 if out["vocab_kept"] else None
    total = args.tokens
    # records while training: the last ones, at words == total, come after the final checkpoint's write
    recs = [r for r in (json.loads(line) for line in open(log) if '"words"' in line) if r["words"] < total]

    def rate(lo, hi):
        inside = [r for r in recs if lo * total <= r["words"] <= hi * total]
        if len(inside) < 2:
            return None
        return (inside[-1]["words"] - inside[0]["words"]) / max(inside[-1]["elapsed"] - inside[0]["elapsed"], 1e-9)
    out["words_per_s_first_10pct"], out["words_per_s_last_10pct"] = rate(0.0, 0.1), rate(0.9, 1.0)
    out["words_per_s_deciles"] = [round(rate(k / 10, (k + 1) / 10) or 0) for k in range(10)]
    info = json.load(open(w("vec/v_config.json")))
    out["checkpoint_pause_s_max"] = info.get("checkpoint_pause_s_max")
    out["words_per_s"] = info.get("words_per_s")

    from hogwild_w2v.outputs import save_outputs
    mats = {"w_in": np.load(w("vec/v_center.npy"), mmap_mode="r"), "w_out": np.load(w("vec/v_context.npy"),
                                                                                    mmap_mode="r")}
    t = time.perf_counter()
    save_outputs(w("vec2/v"), mats, info)
    out["outputs_s"] = round(time.perf_counter() - t, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
