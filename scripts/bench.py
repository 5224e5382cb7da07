"""Side-by-side benchmark: hw2v vs gensim vs word2vec.c on the same corpus, settings and machine, in one run.

    python scripts/bench.py --corpus ../shared/corpora/bench.txt.gz --workers 1 2 --epochs 3 \
        --bench-python /path/to/benchvenv/bin/python --word2vec /path/to/benchvenv/bin/word2vec

gensim and word2vec.c (the PyPI `word2vec` package builds it) live in a separate venv, never in hw2v's
dependencies. Raw words/s = corpus tokens x epochs / training seconds for all three. Every set of vectors is
scored by hw2v's evaluator (gensim's conventions, words ordered by corpus frequency) on the same questions.
Prints one JSON line per run and a markdown table at the end.
"""
import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

from hogwild_w2v.config import TrainConfig
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
from hogwild_w2v.preprocess import preprocess
from hogwild_w2v.trainer import train
from hogwild_w2v.vectors import Vectors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analogy_ranks import reorder  # noqa: E402  (rows in hw2v's vocabulary order)

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
GENSIM = r'''
import json, sys, time
import numpy as np
from gensim.models import Word2Vec
corpus, workers, epochs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
m = Word2Vec(sg=1, hs=0, negative=5, vector_size=100, window=5, min_count=5, sample=1e-3,
             alpha=0.025, min_alpha=0.0001, workers=workers, seed=1)
m.build_vocab(corpus_file=corpus)
t = time.perf_counter()
m.train(corpus_file=corpus, total_words=m.corpus_total_words, total_examples=m.corpus_count, epochs=epochs)
dt = time.perf_counter() - t
m.wv.save_word2vec_format(out)
print(json.dumps({"seconds": dt}))
'''


def score(vec, questions, pairs):
    a = evaluate_analogies(vec, questions)
    p = evaluate_pairs(vec, pairs)
    return {"sem": a["semantic"]["accuracy"], "syn": a["syntactic"]["accuracy"], "total": a["total"]["accuracy"],
            "questions": a["total"]["total"], "ws353": p["spearman"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(SHARED, "corpora", "bench.txt.gz"))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--tools", nargs="+", default=["hw2v", "gensim", "word2vec.c"])
    ap.add_argument("--bench-python", help="python of the venv with gensim")
    ap.add_argument("--word2vec", help="word2vec.c binary")
    ap.add_argument("--questions", default=os.path.join(SHARED, "eval", "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(SHARED, "eval", "wordsim353.tsv"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--repeats", type=int, default=1, help="rounds; tools are interleaved within each round")
    ap.add_argument("--once", nargs="*", default=["word2vec.c"], help="tools run in the first round only")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="hw2v-bench-")
    os.makedirs(work, exist_ok=True)
    text = os.path.join(work, "corpus.txt")
    if not os.path.exists(text):
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as src, open(text, "wb") as dst:
            shutil.copyfileobj(src, dst)
    data = os.path.join(work, "data")
    t = time.perf_counter()
    meta = preprocess([args.corpus], data, min_count=5, force=True)
    prep_s = time.perf_counter() - t
    words = json.load(open(os.path.join(data, "vocab.json")))["words"]
    raw_tokens = sum(len(line.split()) for line in open(text))
    print(json.dumps({"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                      "preprocess_s": prep_s, "vocab": meta["vocab_size"], "raw_tokens": raw_tokens}), flush=True)
    results = []
    plan = [(r, w, t) for r in range(args.repeats) for w in args.workers for t in args.tools
            if r == 0 or t not in args.once]
    for rnd, workers, tool in plan:
        if True:
            out = os.path.join(work, f"{tool}-{workers}")
            if tool == "hw2v":
                shutil.rmtree(out + "_checkpoints", ignore_errors=True)      # each round is a fresh run
                cfg = TrainConfig(epochs=args.epochs, workers=workers, seed=1)
                info = train(data, out, cfg, quiet=True, checkpoint_every=1e9)
                seconds = info["train_seconds"]
                vec = Vectors.load(out + "_center.npy", os.path.join(data, "vocab.json"))
            elif tool == "gensim":
                r = subprocess.run([args.bench_python, "-c", GENSIM, text, str(workers), str(args.epochs),
                                    out + ".txt"], capture_output=True, text=True, check=True)
                seconds = json.loads(r.stdout.strip().splitlines()[-1])["seconds"]
                vec = reorder(Vectors.load(out + ".txt"), words)
            else:
                t = time.perf_counter()
                subprocess.run([args.word2vec, "-train", text, "-output", out + ".txt", "-cbow", "0", "-size", "100",
                                "-window", "5", "-negative", "5", "-hs", "0", "-sample", "1e-3", "-min-count", "5",
                                "-iter", str(args.epochs), "-alpha", "0.025", "-threads", str(workers),
                                "-binary", "0"], capture_output=True, check=True)
                seconds = time.perf_counter() - t      # includes its vocabulary scan: generous to the others
                vec = reorder(Vectors.load(out + ".txt"), words)
            rec = {"round": rnd, "tool": tool, "workers": workers, "seconds": seconds,
                   "raw_words_per_s": raw_tokens * args.epochs / seconds, **score(vec, args.questions, args.pairs)}
            results.append(rec)
            print(json.dumps(rec), flush=True)
    print("\n| tool | workers | runs | train s best / median | raw words/s best / median | vs gensim (median) "
          "| analogy total (runs) | WS353 (runs) |")
    print("|---|---:|---:|---|---|---:|---|---|")
    med = lambda xs: float(np.median(xs))
    for workers in args.workers:
        for tool in args.tools:
            rs = [r for r in results if r["tool"] == tool and r["workers"] == workers]
            g = [r["raw_words_per_s"] for r in results if r["tool"] == "gensim" and r["workers"] == workers]
            wps = [r["raw_words_per_s"] for r in rs]
            ratio = f"{med(wps) / med(g):.2f}x" if g else "-"
            print(f"| {tool} | {workers} | {len(rs)} | {min(r['seconds'] for r in rs):.1f} / "
                  f"{med([r['seconds'] for r in rs]):.1f} | {max(wps) / 1e3:.0f}k / {med(wps) / 1e3:.0f}k | {ratio} | "
                  + ", ".join(f"{100 * r['total']:.2f}%" for r in rs) + " | "
                  + ", ".join(f"{r['ws353']:.3f}" for r in rs) + " |")
    one = [r for r in results if r["tool"] == "hw2v"]
    for workers in args.workers[1:]:
        a = med([r["raw_words_per_s"] for r in one if r["workers"] == args.workers[0]])
        b = med([r["raw_words_per_s"] for r in one if r["workers"] == workers])
        print(f"\nhw2v scaling {args.workers[0]} -> {workers} workers (medians): {b / a:.2f}x")

if __name__ == "__main__":
    sys.exit(main())
