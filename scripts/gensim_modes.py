"""gensim against itself: its two input modes (`corpus_file` and an iterable) at the same settings, 1 worker.

    python scripts/gensim_modes.py --data DATA/sample-0.8M --bench-python BENCHVENV/bin/python \
        --negative 10 --seeds 101 102 103 --work /tmp/gm [--min-alpha 0.025] [--fixed-windows]

issue 9's rows that are short on the semantic half are short only against `corpus_file`; this trains gensim
alone in both modes, seed by seed (two runs at a time), and prints both modes' mean analogy total, semantic,
syntactic and WS353 with the standard error of each difference. `--min-alpha 0.025` holds the learning rate
constant; `--fixed-windows` turns off gensim's random window shrinking (`shrink_windows=False`). Results:
docs/BENCHMARKS.md, round 10. Needs a Python with gensim (`--bench-python`), never this project's.
"""
import argparse
import json
import math
import os
import statistics as st
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from analogy_ranks import reorder  # noqa: E402  (every tool scored in hw2v's row order)
from parity import GENSIM, decode, score  # noqa: E402  (the harness's gensim run, text dump, scores)

from hogwild_w2v.data import open_data  # noqa: E402
from hogwild_w2v.evaluate import BUNDLED  # noqa: E402
from hogwild_w2v.vectors import Vectors  # noqa: E402

COLUMNS = ("total", "sem", "syn", "ws353")      # score()'s keys: analogy total, semantic, syntactic; WS353


def run(args, text, words, mode, seed):
    out = os.path.join(args.work, f"{mode}-{seed}.txt")
    s = dict(negative=args.negative, dim=args.dim, window=args.window, sample=args.sample, min_alpha=args.min_alpha,
             shrink_windows=not args.fixed_windows, workers=1, seed=seed, epochs=args.epochs, gensim_input=mode)
    subprocess.run([args.bench_python, "-c", GENSIM, text, out, json.dumps(s)], check=True, capture_output=True)
    vec = reorder(Vectors.load(out), words)
    os.remove(out)
    return score(vec, BUNDLED["analogies"], BUNDLED["pairs"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="a preprocessed data dir (its tokens are dumped as text)")
    ap.add_argument("--bench-python", required=True, help="a python with gensim installed")
    ap.add_argument("--work", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--min-alpha", type=float, default=0.0001)
    ap.add_argument("--fixed-windows", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    text = decode(args.data, os.path.join(args.work, "corpus.txt"))
    words = open_data(args.data).words
    modes = ("corpus_file", "iterable")
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {(m, s): pool.submit(run, args, text, words, m, s) for s in args.seeds for m in modes}
        res = {m: [futures[m, s].result() for s in args.seeds] for m in modes}
    print(f"| gensim mode | seeds | {' | '.join(COLUMNS)} |")
    print("|---|---:|" + "---|" * len(COLUMNS))
    for m in modes:
        cells = [f"{st.mean(r[c] for r in res[m]):.3f} ± {st.stdev([r[c] for r in res[m]]):.2f}" for c in COLUMNS]
        print(f"| {m} | {len(args.seeds)} | {' | '.join(cells)} |")
    diffs = []
    for c in COLUMNS:
        a, b = [r[c] for r in res["corpus_file"]], [r[c] for r in res["iterable"]]
        se = math.sqrt(st.variance(a) / len(a) + st.variance(b) / len(b))
        diffs.append(f"{st.mean(a) - st.mean(b):+.3f} (se {se:.3f})")
    print(f"| corpus_file - iterable | | {' | '.join(diffs)} |")


if __name__ == "__main__":
    main()
