import sys, os
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
from hogwild_w2v.vectors import Vectors
E="/work/main/hogwild_w2v/evalsets"
for pre in sys.argv[2:]:
    v = Vectors.load(pre + "_center.npy", os.path.join(sys.argv[1], "vocab.json"))
    a = evaluate_analogies(v, E + "/questions-words.txt"); p = evaluate_pairs(v, E + "/wordsim353.tsv")
    print(f"{pre}: total {100*a['total']['accuracy']:.2f} sem {100*a['semantic']['accuracy']:.2f} syn {100*a['syntactic']['accuracy']:.2f} ws {p['spearman']:.3f}")
