import sys, json, os
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.trainer import train
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
from hogwild_w2v.vectors import Vectors
if __name__ == '__main__':
    cut, seed = sys.argv[1], int(sys.argv[2])
    D = "/work/runs/data/bench"; E = "/work/wt/r14/hogwild_w2v/evalsets"
    pre = f"/work/runs/r14/ab/{cut}-s{seed}"
    info = train(D, pre, TrainConfig(epochs=3, seed=seed, chunk_batches=1, cut=cut), quiet=True, force=True, checkpoint_every=1e9)
    v = Vectors.load(pre + "_center.npy", os.path.join(D, "vocab.json"))
    a = evaluate_analogies(v, E + "/questions-words.txt"); p = evaluate_pairs(v, E + "/wordsim353.tsv")
    print(json.dumps({"cut": cut, "seed": seed, "total": 100 * a["total"]["accuracy"], "sem": 100 * a["semantic"]["accuracy"], "ws353": p["spearman"], "seconds": info["train_seconds"]}), flush=True)
