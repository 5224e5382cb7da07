"""gensim's `model_sanity` check, run on hw2v: 'bombings' among the 50 nearest words to 'attacks' on the Lee corpus.

    python scripts/sanity.py --lee BENCHVENV/lib/python3.11/site-packages/gensim/test/test_data/lee_background.cor \
        --bench-python BENCHVENV/bin/python --seeds 50 --rows w4n15-1 w4n15-2 --out sanity.jsonl

gensim's own test (`gensim/test/test_word2vec.py`, `model_sanity`) trains on `lee_background.cor` (300
documents, ~58k tokens after `simple_preprocess`, min_count 5) and asserts that 'bombings' ranks in the top 50
for 'attacks'. The corpus ships inside gensim's wheel (its test data), so it is read from the benchmark venv and
never committed here. hw2v gets the corpus through `hw2v preprocess` (its own tokeniser, min-count 5), exactly
as a user would; gensim through `simple_preprocess`, exactly as its test does.

For every row and seed: did the run diverge (hw2v's exit status and final loss), the rank of 'bombings', and
the same for gensim on the same seeds. Runs already in `--out` are skipped. Prints a markdown table.
"""
import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

# name -> (window, negative, workers, lr[, other settings]); gensim's skip-gram setting is window 4, negative 15,
# 2 workers; the last three rows are gensim's test_sg_hs, test_cbow_hs and test_cbow_neg
ROWS = {
    "w4n15-2": (4, 15, 2, 0.025), "w4n15-1": (4, 15, 1, 0.025), "w4n5-2": (4, 5, 2, 0.025),
    "w4n25-1": (4, 25, 1, 0.025), "w4n15-1-lr0.05": (4, 15, 1, 0.05), "w10n15-2": (10, 15, 2, 0.025),
    "sg-hs-w4-2": (4, 0, 2, 0.025, {"hs": True}),
    "cbow-hs-w2-2-lr0.1": (2, 0, 2, 0.1, {"model": "cbow", "hs": True, "epochs": 60}),
    "cbow-w5n15-2-lr0.05": (5, 15, 2, 0.05, {"model": "cbow", "sample": 0.0}),
}


def row_settings(row):
    """Every setting of a row: window, negative, workers, lr, model, hs, epochs, sample (None: the default)."""
    window, negative, workers, lr, *extra = ROWS[row]
    return dict({"model": "sg", "hs": False, "epochs": 10, "sample": None}, window=window, negative=negative,
                workers=workers, lr=lr, **(extra[0] if extra else {}))

GENSIM = r'''
import json, sys
import numpy as np
from gensim.models import Word2Vec
from gensim.utils import simple_preprocess
path, s = sys.argv[1], json.loads(sys.argv[2])
sentences = [simple_preprocess(line) for line in open(path, encoding="utf8")]
extra = {} if s["sample"] is None else {"sample": s["sample"]}
m = Word2Vec(sentences, sg=int(s["model"] == "sg"), hs=int(s["hs"]), negative=s["negative"], window=s["window"],
             vector_size=100, min_count=5, epochs=s["epochs"], workers=s["workers"], alpha=s["lr"], seed=s["seed"],
             **extra)
sims = [w for w, _ in m.wv.most_similar("attacks", topn=len(m.wv))]
print(json.dumps({"rank": sims.index("bombings") + 1 if "bombings" in sims else None}))
'''


def hw2v_rank(data_dir, seed, s, work):
    prefix = os.path.join(work, "v-" + "-".join(str(v) for v in s.values()) + f"-{seed}")
    extra = (["--hs"] if s["hs"] else []) + ([] if s["sample"] is None else ["--sample", str(s["sample"])])
    r = subprocess.run([sys.executable, "-m", "hogwild_w2v", "train", "--data-dir", data_dir, "--embeddings", prefix,
                        "--model", s["model"], "--window-size", str(s["window"]), "--negative", str(s["negative"]),
                        "--workers", str(s["workers"]), "--lr", str(s["lr"]), "--epochs", str(s["epochs"]),
                        "--seed", str(seed), "-q", *extra],
                       capture_output=True, text=True)
    rec = {"exit": r.returncode, "error": r.stderr.strip()[-200:] if r.returncode else None}
    if r.returncode == 0:
        from hogwild_w2v.vectors import Vectors
        info = json.load(open(prefix + "_config.json"))
        vec = Vectors.load(prefix + "_center.npy", os.path.join(data_dir, "vocab.json"))
        sims = [w for w, _ in vec.most_similar("attacks", top_k=len(vec.words))]
        rec.update(rank=sims.index("bombings") + 1, final_loss=info["final_train_loss"],
                   max_norm=float(np.linalg.norm(vec.matrix, axis=1).max()))
    for suffix in ("_center.npy", "_context.npy", "_combined.npy", "_hs.npy", "_config.json"):
        if os.path.exists(prefix + suffix):
            os.remove(prefix + suffix)
    shutil.rmtree(prefix + "_checkpoints", ignore_errors=True)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lee", required=True, help="lee_background.cor (in gensim's test data)")
    ap.add_argument("--bench-python", help="python of the venv with gensim (omit to skip gensim)")
    ap.add_argument("--rows", nargs="+", default=["w4n15-2", "w4n15-1"], choices=sorted(ROWS))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="hw2v-sanity-")
    data_dir = os.path.join(work, "lee")
    subprocess.run([sys.executable, "-m", "hogwild_w2v", "preprocess", args.lee, "--data-dir", data_dir, "-q",
                    "--min-count", "5"], check=True)
    done = [json.loads(x) for x in open(args.out)] if os.path.exists(args.out) else []
    have = {(r["row"], r["tool"], r["seed"]) for r in done}
    jobs = []
    for row in args.rows:
        settings = row_settings(row)
        for seed in range(1, args.seeds + 1):
            if (row, "hw2v", seed) not in have:
                jobs.append(({"row": row, "tool": "hw2v", "seed": seed},
                             lambda seed=seed, s=settings: hw2v_rank(data_dir, seed, s, work)))
            if args.bench_python and (row, "gensim", seed) not in have:
                spec = json.dumps(dict(settings, seed=seed))
                jobs.append(({"row": row, "tool": "gensim", "seed": seed},
                             lambda spec=spec: json.loads(subprocess.run(
                                 [args.bench_python, "-c", GENSIM, args.lee, spec], capture_output=True, text=True,
                                 check=True).stdout.splitlines()[-1])))
    with cf.ThreadPoolExecutor(args.jobs) as pool, open(args.out, "a") as log:
        futures = {pool.submit(fn): rec for rec, fn in jobs}
        for fut in cf.as_completed(futures):
            rec = dict(futures[fut], **fut.result())
            log.write(json.dumps(rec) + "\n")
            log.flush()
            done.append(rec)
    shutil.rmtree(work, ignore_errors=True)
    print("| row (window, negative, workers, lr) | tool | runs | diverged / failed | rank <= 50 | median rank | "
          "ranks (min-max) |")
    print("|---|---|---:|---:|---:|---:|---|")
    for row in args.rows:
        for tool in ("hw2v", "gensim"):
            rs = [r for r in done if r["row"] == row and r["tool"] == tool]
            if not rs:
                continue
            ranks = [r["rank"] for r in rs if r.get("rank")]
            bad = sum(1 for r in rs if r.get("exit", 0) != 0)
            print(f"| {row} {ROWS[row]} | {tool} | {len(rs)} | {bad} | {sum(r <= 50 for r in ranks)} | "
                  f"{np.median(ranks) if ranks else '-'} | {min(ranks, default='-')}-{max(ranks, default='-')} |")


if __name__ == "__main__":
    main()
