"""Quality parity with gensim: hw2v and gensim side by side on a grid of corpora x settings x seeds.

    python scripts/parity.py --data /tmp/runs/data/long-0.8M /tmp/runs/data/sample-0.8M \
        --settings defaults window8 --seeds 1 2 3 --bench-python BENCHVENV/bin/python --out grid.jsonl

Both tools see exactly the same tokens: gensim trains on the text decoded from hw2v's `corpus.bin` (one line a
sentence) with `min_count=1`, so vocabulary, counts, subsampling and sentence boundaries are identical. Every
set of vectors is scored by hw2v's evaluator (gensim's rules, words in hw2v's frequency order).

Runs already in `--out` are skipped, so a long grid can be stopped and continued. `--jobs 2` trains two runs
at a time (quality only: words/s are then not comparable; use `--jobs 1` for the speed columns).
`--set KEY=VALUE` overrides a hw2v `TrainConfig` field (for ablations; recorded as the run's variant).
Prints one JSON line a run and, at the end, a markdown table of means and spreads over seeds.
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile
import threading

import numpy as np

from hogwild_w2v.data import open_data
from hogwild_w2v.evaluate import analogy_ranks, evaluate_analogies, evaluate_pairs
from hogwild_w2v.vectors import Vectors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analogy_ranks import reorder, summary  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")

# the settings of the grid (issue 9); everything else at word2vec's defaults (lr 0.025, skip-gram, NS)
SETTINGS = {
    "defaults": dict(dim=100, window=5, negative=5, sample=1e-3),
    "window8": dict(dim=100, window=8, negative=5, sample=1e-3),
    "window2": dict(dim=100, window=2, negative=5, sample=1e-3),
    "neg10": dict(dim=100, window=5, negative=10, sample=1e-3),
    "neg15": dict(dim=100, window=5, negative=15, sample=1e-3),
    "sample1e-4": dict(dim=100, window=5, negative=5, sample=1e-4),
    "sample0": dict(dim=100, window=5, negative=5, sample=0.0),
    "d50w8n10s1e-4": dict(dim=50, window=8, negative=10, sample=1e-4),
    "dim300": dict(dim=300, window=5, negative=5, sample=1e-3),
    # gensim's model_sanity skip-gram setting (issue 15)
    "w4n15": dict(dim=100, window=4, negative=15, sample=1e-3),
    # the other models at gensim's defaults (issue 12)
    "sg-hs": dict(dim=100, window=5, negative=0, hs=True, sample=1e-3),
    "cbow": dict(model="cbow", dim=100, window=5, negative=5, sample=1e-3),
    "cbow-hs": dict(model="cbow", dim=100, window=5, negative=0, hs=True, sample=1e-3),
}

HW2V = r'''
import inspect, json, sys
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.trainer import Coordinator, train
data, prefix, cfg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
# an older commit (PYTHONPATH=its worktree, to measure an earlier kernel) may predate --force
force = {"force": True} if "force" in inspect.signature(Coordinator.__init__).parameters else {}
info = train(data, prefix, TrainConfig(**cfg), quiet=True, checkpoint_every=1e9, **force)
print(json.dumps({"seconds": info["train_seconds"]}))
'''

GENSIM = r'''
import json, sys, time
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
text, out, s = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
iterable = s.get("gensim_input") == "iterable"
m = Word2Vec(sg=int(s.get("model", "sg") == "sg"), hs=int(s.get("hs", False)), negative=s["negative"],
             cbow_mean=int(s.get("cbow_mean", True)), vector_size=s["dim"], window=s["window"], min_count=1,
             sample=s["sample"], alpha=0.025, min_alpha=s.get("min_alpha", 0.0001), workers=s["workers"],
             seed=s["seed"], shrink_windows=s.get("shrink_windows", True))
t = time.perf_counter()
if iterable:        # the global lr schedule; slower (sentences pass through Python)
    m.build_vocab(LineSentence(text))
    t = time.perf_counter()
    m.train(LineSentence(text), total_examples=m.corpus_count, epochs=s["epochs"])
else:
    m.build_vocab(corpus_file=text)
    t = time.perf_counter()
    m.train(corpus_file=text, total_words=m.corpus_total_words, total_examples=m.corpus_count, epochs=s["epochs"])
dt = time.perf_counter() - t
m.wv.save_word2vec_format(out)
print(json.dumps({"seconds": dt}))
'''


def decode(data_dir, path):
    """The corpus as text, one sentence a line, exactly the tokens hw2v trains on."""
    if os.path.exists(path):
        return path
    data = open_data(data_dir)
    words = np.array(data.words, dtype=object)
    tmp = f"{path}.tmp{os.getpid()}-{threading.get_ident()}"     # two jobs may decode the same corpus at once
    with open(tmp, "w") as fh:
        off = data.offsets
        for k in range(len(off) - 1):
            fh.write(" ".join(words[np.asarray(data.corpus[off[k]:off[k + 1]])]) + "\n")
    os.replace(tmp, path)
    return path


def score(vec, questions, pairs):
    a = evaluate_analogies(vec, questions)
    p = evaluate_pairs(vec, pairs)
    r = analogy_ranks(vec, questions)
    return {"sem": 100 * a["semantic"]["accuracy"], "syn": 100 * a["syntactic"]["accuracy"],
            "total": 100 * a["total"]["accuracy"], "questions": a["total"]["total"], "ws353": p["spearman"],
            "sem_mrr": summary(r, "semantic")[1], "total_mrr": summary(r, "total")[1]}


def key(r):
    return (r["corpus"], r["setting"], r["workers"], r["tool"], r["variant"], r["seed"])


def run_one(job, args, work):
    corpus, data_dir, setting, workers, tool, variant, seed, epochs = job
    s = dict(SETTINGS[setting], workers=workers, seed=seed, epochs=epochs)
    tag = f"{corpus}-{setting}-{workers}-{tool}-{variant}-{seed}".replace("=", "_").replace(",", "_")
    out = os.path.join(work, tag)
    if tool == "hw2v":
        # KEY=VALUE pairs override TrainConfig fields; a pair whose key starts with "_" only labels the variant
        cfg = dict(s, **{k: _num(v) for k, v in (kv.split("=", 1) for kv in variant.split(",") if kv)
                         if not k.startswith("_")})
        env = dict(os.environ)
        if args.hw2v_path:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (args.hw2v_path, env.get("PYTHONPATH")) if p)
        # cwd: `python -c` puts the working directory first on sys.path, where a checkout's own hogwild_w2v
        # would shadow --hw2v-path's
        r = subprocess.run([sys.executable, "-c", HW2V, data_dir, out, json.dumps(cfg)], capture_output=True,
                           text=True, env=env, cwd=work)
        if r.returncode != 0:
            return {"error": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"}
        vec = Vectors.load(out + "_center.npy", os.path.join(data_dir, "vocab.json"))
        cleanup = [out + x for x in ("_center.npy", "_context.npy", "_combined.npy", "_hs.npy", "_config.json")]
    else:
        text = decode(data_dir, os.path.join(work, corpus + ".txt"))
        r = subprocess.run([args.bench_python, "-c", GENSIM, text, out + ".txt",
                            json.dumps(dict(s, gensim_input="iterable" if variant == "iterable" else "corpus_file"))],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return {"error": r.stderr.strip().splitlines()[-1]}
        vec = reorder(Vectors.load(out + ".txt"), open_data(data_dir).words)
        cleanup = [out + ".txt"]
    seconds = json.loads(r.stdout.strip().splitlines()[-1])["seconds"]
    rec = score(vec, args.questions, args.pairs)
    for f in cleanup:
        if os.path.exists(f) and not (args.keep_vectors and f.endswith(("_center.npy", ".txt"))):
            os.remove(f)
    import shutil
    shutil.rmtree(out + "_checkpoints", ignore_errors=True)
    return {**rec, "seconds": seconds}


def _num(v):
    if not isinstance(v, str):
        return v
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(v.lower(), v)


def table(results):
    groups = {}
    for r in results:
        if "error" in r:
            continue
        groups.setdefault((r["corpus"], r["setting"], r["workers"]), {}).setdefault(
            (r["tool"], r["variant"]), []).append(r)
    lines = ["| corpus | setting | workers | tool | seeds | analogy total | semantic | syntactic | WS353 | "
             "words/s | delta total / sem / WS353 |", "|---|---|---:|---|---:|---|---|---|---|---:|---|"]
    m = lambda rs, k: float(np.mean([r[k] for r in rs]))
    sd = lambda rs, k: float(np.std([r[k] for r in rs]))
    for (corpus, setting, workers), tools in groups.items():
        g = tools.get(("gensim", "iterable")) or tools.get(("gensim", ""))
        for (tool, variant), rs in sorted(tools.items(), key=lambda kv: (kv[0][0] != "hw2v", kv[0])):
            name = tool + (f" [{variant}]" if variant else "")
            delta = ""
            if g and tool != "gensim":
                dt, ds, dw = m(rs, "total") - m(g, "total"), m(rs, "sem") - m(g, "sem"), m(rs, "ws353") - m(g, "ws353")
                ok = dt >= -0.2 and ds >= -0.5 and dw >= -0.01
                delta = f"{dt:+.2f} / {ds:+.2f} / {dw:+.3f} {'ok' if ok else '**short**'}"
            wps = np.mean([r["words"] * r["epochs"] / r["seconds"] for r in rs])
            lines.append(f"| {corpus} | {setting} | {workers} | {name} | {len(rs)} | "
                         f"{m(rs, 'total'):.2f} ± {sd(rs, 'total'):.2f} | {m(rs, 'sem'):.2f} ± {sd(rs, 'sem'):.2f} | "
                         f"{m(rs, 'syn'):.2f} ± {sd(rs, 'syn'):.2f} | {m(rs, 'ws353'):.3f} ± {sd(rs, 'ws353'):.3f} | "
                         f"{wps / 1e3:.0f}k | {delta} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", required=True, help="hw2v data dirs (their folder name names the corpus)")
    ap.add_argument("--settings", nargs="+", default=["defaults"], choices=sorted(SETTINGS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--workers", type=int, nargs="+", default=[1])
    ap.add_argument("--tools", nargs="+", default=["hw2v", "gensim"])
    ap.add_argument("--set", dest="variants", action="append", default=[],
                    help="hw2v ablation: comma-separated KEY=VALUE TrainConfig overrides (repeatable); _KEY=VALUE is a label")
    ap.add_argument("--epochs", type=int, help="[default: 5 for corpora under 2M tokens, else 3]")
    ap.add_argument("--bench-python", default="python", help="python of the venv with gensim")
    ap.add_argument("--questions", default=os.path.join(SHARED, "eval", "questions-words.txt"))
    ap.add_argument("--pairs", default=os.path.join(SHARED, "eval", "wordsim353.tsv"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--hw2v-path", help="train hw2v from this checkout (e.g. a git worktree of an earlier commit, "
                    "to compare kernels in one harness); scoring always uses this script's own hw2v")
    ap.add_argument("--out", required=True, help="JSON lines file: results are appended, done runs skipped")
    ap.add_argument("--workdir")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--keep-vectors", action="store_true",
                    help="keep each run's vectors in the workdir (TAG_center.npy for hw2v, TAG.txt for gensim) for "
                         "scripts/analogy_ranks.py")
    ap.add_argument("--gensim-input", choices=["corpus_file", "iterable"], default="corpus_file",
                    help="gensim's corpus_file mode (fastest) decays each worker's lr by its own share of the epoch "
                         "(word2vec_corpusfile.pyx get_next_alpha: its words / all words), so with W workers the lr "
                         "falls W times slower within an epoch and jumps at its end: a different schedule from its "
                         "1-worker and iterable runs, and from word2vec.c. `iterable` (LineSentence) keeps the global "
                         "schedule; its rows are labelled [iterable] and are the quality baseline when present")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="hw2v-parity-")
    os.makedirs(work, exist_ok=True)
    done = [json.loads(x) for x in open(args.out)] if os.path.exists(args.out) else []
    have = {key(r) for r in done}
    jobs = []
    for data_dir in args.data:
        corpus = os.path.basename(os.path.normpath(data_dir))
        tokens = open_data(data_dir).tokens
        epochs = args.epochs or (5 if tokens < 2_000_000 else 3)
        for setting in args.settings:
            for workers in args.workers:
                for seed in args.seeds:
                    for tool in args.tools:
                        gensim_variant = "" if args.gensim_input == "corpus_file" else "iterable"
                        for variant in (args.variants or [""]) if tool == "hw2v" else [gensim_variant]:
                            job = (corpus, data_dir, setting, workers, tool, variant, seed, epochs)
                            rec = {"corpus": corpus, "setting": setting, "workers": workers, "tool": tool,
                                   "variant": variant, "seed": seed}
                            if key(rec) not in have and not args.table_only:
                                jobs.append((job, dict(rec, epochs=epochs, words=tokens)))
    with cf.ThreadPoolExecutor(args.jobs) as pool, open(args.out, "a") as log:
        futures = {pool.submit(run_one, job, args, work): rec for job, rec in jobs}
        for fut in cf.as_completed(futures):
            rec = dict(futures[fut], **fut.result())
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
            done.append(rec)
    wanted = {(os.path.basename(os.path.normpath(d)), s, w) for d in args.data for s in args.settings
              for w in args.workers}
    print(table([r for r in done if (r["corpus"], r["setting"], r["workers"]) in wanted]))


if __name__ == "__main__":
    sys.exit(main())
