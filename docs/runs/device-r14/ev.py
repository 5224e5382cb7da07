"""One JSON line of scores for a trained prefix (the bundled analogies and WS353), with its config's speed."""
import json
import os
import sys

from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
from hogwild_w2v.vectors import Vectors

E = os.path.join(os.path.dirname(__file__), "..", "..", "..", "hogwild_w2v", "evalsets")
data, prefix, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
info = json.load(open(prefix + "_config.json"))
v = Vectors.load(prefix + "_center.npy", os.path.join(data, "vocab.json"))
a = evaluate_analogies(v, os.path.join(E, "questions-words.txt"))
p = evaluate_pairs(v, os.path.join(E, "wordsim353.tsv"))
print(json.dumps({**extra, "total": 100 * a["total"]["accuracy"], "sem": 100 * a["semantic"]["accuracy"],
                  "syn": 100 * a["syntactic"]["accuracy"], "ws353": p["spearman"],
                  "words_per_s": info["words_per_s"], "seconds": info["train_seconds"]}))
