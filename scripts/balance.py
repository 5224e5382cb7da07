"""Worker balance: how long the run waits for its slowest worker (docs/BENCHMARKS.md, issue 13).

    python scripts/balance.py --data DATA/demo --workers 2 --runs 3 [--hw2v-path WORKTREE] [--epochs 5]

Trains with `--log-jsonl` (a record every progress report, with each worker's words) and reads, per worker,
when its words last grew: the spread between the first and the last worker to finish is time the run spent
with fewer workers than it was given. `--hw2v-path` trains another checkout (PYTHONPATH), e.g. a worktree of
round 1, whose workers owned fixed shares of the corpus.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def finish_times(log_path):
    """(elapsed seconds when each worker's words last grew, final words of each worker, run seconds)."""
    recs = [json.loads(line) for line in open(log_path) if '"worker_words"' in line]
    recs = [r for r in recs if r.get("worker_words")]
    final = recs[-1]["worker_words"]
    last_growth = []
    for k in range(len(final)):
        t = recs[0]["elapsed"]
        for prev, rec in zip(recs, recs[1:]):
            if rec["worker_words"][k] > prev["worker_words"][k]:
                t = rec["elapsed"]
        last_growth.append(t)
    return last_growth, final, recs[-1]["elapsed"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hw2v-path")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="hw2v-balance-")
    env = dict(os.environ)
    if args.hw2v_path:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (args.hw2v_path, env.get("PYTHONPATH")) if p)
    print("| run | workers | seconds | words per worker | share of the slowest | last worker finished after the first |")
    print("|---|---:|---:|---|---:|---:|")
    for run in range(1, args.runs + 1):
        out = os.path.join(work, f"run{run}")
        os.makedirs(out, exist_ok=True)
        log = os.path.join(out, "log.jsonl")
        if os.path.exists(log):
            os.remove(log)
        # cwd=work: `python -m` puts the working directory first on sys.path (a checkout there would shadow)
        subprocess.run([sys.executable, "-m", "hogwild_w2v", "train", "--data-dir", os.path.abspath(args.data),
                        "--embeddings", os.path.join(out, "v"), "--epochs", str(args.epochs), "--workers",
                        str(args.workers), "--seed", str(run), "--log-jsonl", log, "-q"],
                       check=True, env=env, cwd=work, stdout=subprocess.DEVNULL)
        times, words, seconds = finish_times(log)
        spread = max(times) - min(times)
        print(f"| {run} | {args.workers} | {seconds:.1f} | {' / '.join(f'{w:,}' for w in words)} | "
              f"{min(words) / sum(words):.3f} | {spread:.1f} s ({100 * spread / seconds:.0f}% of the run) |")


if __name__ == "__main__":
    main()
