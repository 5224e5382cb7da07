"""Quality and sync cost against the number of MPI ranks (docs/DISTRIBUTED.md, issue 14).

    python scripts/distributed_quality.py --data DATA/bench --ranks 1 2 4 8 --seeds 1 2 3 --out dist.jsonl
    python scripts/distributed_quality.py --data DATA/bench --ranks 4 8 --sync-mode batch --out dist.jsonl
    python scripts/distributed_quality.py --data DATA/bench --ranks 4 --sync-words 25000 2500000 --out dist.jsonl
    python scripts/distributed_quality.py --data DATA/bench --ranks 1 4 8 --train-args "--hs --negative 0" \
        --out hs.jsonl

Each run is `mpiexec -n R python -m hogwild_w2v train --distributed --workers W` (the mpiexec beside this
script's python: the `mpi` extra), then the bundled analogies and WordSim-353 on its vectors. R = 1 is the same
trainer as one machine without MPI (bit-identical: tests/test_distributed.py). Ranks may share this machine's
cores: quality does not depend on time. Results are appended to --out (runs already there are skipped) and a
markdown table of means and spreads is printed, with each run's syncs, bytes and seconds per sync, and the
share of its time spent syncing.
"""
import argparse
import json
import os
import statistics as st
import subprocess
import sys
import tempfile

from hogwild_w2v.distributed import DEFAULT_SYNC_MODE, SYNC_MODES
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
from hogwild_w2v.vectors import Vectors

EVALSETS = os.path.join(os.path.dirname(__file__), "..", "hogwild_w2v", "evalsets")
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")


def run_one(args, ranks, seed, sync_words, work):
    """One run (sync_words None: the mode's own period) and its scores."""
    tag = "".join(args.train_args.split()).replace("-", "_")
    name = f"r{ranks}-s{seed}-{args.sync_mode}-w{sync_words}{'-overlap' if args.overlap else ''}{tag}"
    prefix = os.path.join(work, name, "v")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    cmd = [MPIEXEC, "-n", str(ranks), sys.executable, "-m", "hogwild_w2v", "train", "--data-dir",
           os.path.abspath(args.data), "--embeddings", prefix, "--epochs", str(args.epochs), "--workers",
           str(args.workers), "--seed", str(seed), "--distributed", "--sync-mode", args.sync_mode, "--force", "-q",
           "--sync-overlap" if args.overlap else "--no-sync-overlap", *args.train_args.split()]
    if sync_words is not None:
        cmd += ["--sync-words", str(sync_words)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1]}
    info = json.load(open(prefix + "_config.json"))
    vec = Vectors.load(prefix + "_center.npy", os.path.join(args.data, "vocab.json"))
    a = evaluate_analogies(vec, os.path.join(EVALSETS, "questions-words.txt"))
    p = evaluate_pairs(vec, os.path.join(EVALSETS, "wordsim353.tsv"))
    return {"total": 100 * a["total"]["accuracy"], "sem": 100 * a["semantic"]["accuracy"],
            "syn": 100 * a["syntactic"]["accuracy"], "ws353": p["spearman"], "seconds": info["train_seconds"],
            "words_per_s": info["words_per_s"], "syncs": info["syncs"], "sync_bytes": info["sync_bytes_per_rank"],
            "sync_seconds": max(info["sync_seconds"]), "replicas_identical": info["replicas_identical"]}


def setting(r):
    """What a run's row is grouped by in the table, and (with its seed) skipped by when already done: rows made
    before --overlap, --train-args and --sync-mode existed were made without them (the periodic mode)."""
    return (r["ranks"], r["workers"], r.get("sync_mode", "periodic"), r["sync_words"] or 0, r.get("overlap", False),
            r.get("train_args", ""))


def table(rows):
    groups = {}
    for r in rows:
        if "error" not in r:
            groups.setdefault(setting(r), []).append(r)
    out = ["| ranks x workers | sync mode | sync words | overlapped | other settings | seeds | analogy total | "
           "semantic | syntactic | WS353 | words/s | syncs | MB a sync (per rank) | s a sync | time syncing |",
           "|---|---|---:|---|---|---:|---|---|---|---|---:|---:|---:|---:|---:|"]

    def ms(rs, k, f="{:.2f}"):
        v = [r[k] for r in rs]
        return (f + " ± " + f).format(st.mean(v), st.stdev(v) if len(v) > 1 else 0.0)

    for (ranks, workers, mode, sw, overlap, extra), rs in sorted(groups.items()):
        syncs = st.mean(r["syncs"] for r in rs)
        period = f"{sw:,}" if sw else "its own"
        out.append(f"| {ranks} x {workers} | {mode} | {period} | {'yes' if overlap else 'no'} | {extra or '-'} | "
                   f"{len(rs)} | "
                   f"{ms(rs, 'total')} | {ms(rs, 'sem')} | {ms(rs, 'syn')} | {ms(rs, 'ws353', '{:.3f}')} | "
                   f"{st.mean(r['words_per_s'] for r in rs) / 1e3:.0f}k | "
                   f"{syncs:.0f} | {st.mean(r['sync_bytes'] for r in rs) / syncs / 2 ** 20:.1f} | "
                   f"{st.mean(r['sync_seconds'] for r in rs) / syncs:.3f} | "
                   f"{100 * st.mean(r['sync_seconds'] / r['seconds'] for r in rs):.1f}% |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ranks", type=int, nargs="*", default=[1, 2, 4, 8], help="none: only the table of --out")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--sync-mode", choices=list(SYNC_MODES), default=DEFAULT_SYNC_MODE)
    ap.add_argument("--sync-words", type=int, nargs="+", default=[None], help="[default: the mode's own period]")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--overlap", action="store_true",
                    help="train with --sync-overlap (rows recorded without 'overlap' were made without it)")
    ap.add_argument("--train-args", default="",
                    help="more `hw2v train` options for every run, e.g. '--hs --negative 0'")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="hw2v-dist-")
    rows = [json.loads(line) for line in open(args.out)] if os.path.exists(args.out) else []
    done = {(*setting(r), r["seed"]) for r in rows if "error" not in r}
    for sw in args.sync_words:
        for seed in args.seeds:                  # seeds outermost of the ranks: an interrupted grid stays balanced
            for ranks in args.ranks:
                r = {"ranks": ranks, "workers": args.workers, "sync_mode": args.sync_mode,
                     "sync_words": sw or SYNC_MODES[args.sync_mode].sync_words, "overlap": args.overlap,
                     "train_args": args.train_args, "seed": seed, "epochs": args.epochs}
                if (*setting(r), seed) in done:
                    continue
                r.update(run_one(args, ranks, seed, sw, work))
                rows.append(r)
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(r) + "\n")
                print(json.dumps(r), file=sys.stderr)
    print(table(rows))


if __name__ == "__main__":
    main()
