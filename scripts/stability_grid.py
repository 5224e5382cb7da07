"""Does any model diverge at the settings users pick? Every model x negative x window x workers at a high lr.

    python scripts/stability_grid.py --data DATA_DIR [DATA_DIR ...] --seeds 1 2 --epochs 5 --out stab.jsonl

Models: skip-gram and CBOW, each with negative sampling (negative 2 and 25) and with hierarchical softmax alone;
windows 2 and 10; 1 and 2 workers; lr 0.05 for skip-gram and 0.1 for CBOW (word2vec.c's CBOW default is 0.05,
issue 15 asks for 0.1). Each run is `hw2v train` through the CLI, as a user would run it: a divergence is a
non-zero exit (the trainer's check: a loss 3x a fresh model's, a vector longer than 1,000, anything non-finite),
and the final loss per prediction is reported against a fresh model's (models.start_loss). Runs already in
`--out` are skipped. Prints a markdown table.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile


from hogwild_w2v import models
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data

MODELS = {"sg-ns": dict(model="sg"), "sg-hs": dict(model="sg", hs=True), "cbow-ns": dict(model="cbow"),
          "cbow-hs": dict(model="cbow", hs=True)}


def grid():
    for name, kw in MODELS.items():
        negatives = [0] if kw.get("hs") else [2, 25]
        lr = 0.1 if kw["model"] == "cbow" else 0.05
        for negative, window, workers in itertools.product(negatives, [2, 10], [1, 2]):
            yield name, dict(kw, negative=negative, window=window, workers=workers, lr=lr)


def run(data_dir, settings, seed, epochs, work):
    prefix = os.path.join(work, "v")
    cmd = [sys.executable, "-m", "hogwild_w2v", "train", "--data-dir", data_dir, "--embeddings", prefix, "--force",
           "-q", "--model", settings["model"], "--negative", str(settings["negative"]), "--window-size",
           str(settings["window"]), "--workers", str(settings["workers"]), "--lr", str(settings["lr"]), "--epochs",
           str(epochs), "--seed", str(seed)] + (["--hs"] if settings.get("hs") else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    rec = {"exit": r.returncode, "error": r.stderr.strip()[-300:] if r.returncode else None}
    if r.returncode == 0:
        info = json.load(open(prefix + "_config.json"))
        cfg = TrainConfig.from_dict(info["config"])
        rec.update(final_loss=info["final_train_loss"], start_loss=models.start_loss(cfg, open_data(data_dir).counts))
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    done = [json.loads(x) for x in open(args.out)] if os.path.exists(args.out) else []
    have = {(r["corpus"], r["model"], json.dumps(r["settings"], sort_keys=True), r["seed"]) for r in done}
    work = tempfile.mkdtemp(prefix="hw2v-stability-")
    with open(args.out, "a") as log:
        for data_dir in args.data:
            corpus = os.path.basename(os.path.normpath(data_dir))
            for name, settings in grid():
                for seed in args.seeds:
                    key = (corpus, name, json.dumps(settings, sort_keys=True), seed)
                    if key in have:
                        continue
                    rec = {"corpus": corpus, "model": name, "settings": settings, "seed": seed, "epochs": args.epochs,
                           **run(data_dir, settings, seed, args.epochs, work)}
                    log.write(json.dumps(rec) + "\n")
                    log.flush()
                    done.append(rec)
    print("| corpus | model | runs | diverged | final / fresh loss, worst | settings of the worst |")
    print("|---|---|---:|---:|---:|---|")
    for corpus in sorted({r["corpus"] for r in done}):
        for name in MODELS:
            rs = [r for r in done if r["corpus"] == corpus and r["model"] == name]
            if not rs:
                continue
            ok = [r for r in rs if r["exit"] == 0]
            worst = max(ok, key=lambda r: r["final_loss"] / r["start_loss"], default=None)
            ratio = f"{worst['final_loss'] / worst['start_loss']:.2f}" if worst else "-"
            s = worst["settings"] if worst else {}
            print(f"| {corpus} | {name} | {len(rs)} | {len(rs) - len(ok)} | {ratio} | negative {s.get('negative')}, "
                  f"window {s.get('window')}, {s.get('workers')} workers, lr {s.get('lr')} |")
    if any(r["exit"] != 0 for r in done):
        print("\nfailed runs:")
        for r in done:
            if r["exit"] != 0:
                print(f"  {r['corpus']} {r['model']} {r['settings']} seed {r['seed']}: {r['error']}")


if __name__ == "__main__":
    main()
