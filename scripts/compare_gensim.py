"""Check hw2v's infer / eval / export against gensim on the same vectors (run with the benchmark venv's python).

    BENCHVENV/bin/python scripts/compare_gensim.py PREFIX_center.npy DATA/vocab.json

Exports the vectors in both word2vec formats with hw2v, loads them with gensim's
`KeyedVectors.load_word2vec_format`, and compares: the vectors themselves, `most_similar` top-10 for the
200 most frequent words and 3CosAdd analogies, `evaluate_word_analogies` and `evaluate_word_pairs`; and it times
`--similar` after loading.
"""
import json
import os
import sys
import tempfile
import time

import numpy as np
from gensim.models import KeyedVectors

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs  # noqa: E402
from hogwild_w2v.vectors import Vectors  # noqa: E402

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "eval")


def main(emb, vocab):
    ours = Vectors.load(emb, vocab)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for binary in (False, True):
            path = os.path.join(tmp, "v.bin" if binary else "v.txt")
            ours.save_word2vec(path, binary=binary)
            kv = KeyedVectors.load_word2vec_format(path, binary=binary)
            same_words = list(kv.index_to_key) == ours.words
            max_diff = float(np.abs(kv.vectors - np.asarray(ours.matrix)).max())
            out["binary" if binary else "text"] = {"same_words": same_words, "max_abs_diff": max_diff}
    kv = KeyedVectors(vector_size=ours.matrix.shape[1])
    kv.add_vectors(ours.words, np.asarray(ours.matrix))
    probe = ours.words[:200]
    same_sim = sum([w for w, _ in kv.most_similar(x, topn=10)] == [w for w, _ in ours.most_similar(x, 10)]
                   for x in probe)
    triples = [("king", "woman", "man"), ("paris", "germany", "france"), ("bigger", "cold", "big"),
               ("walking", "swam", "walked"), ("good", "worse", "bad")]
    same_analogy = 0
    for a, b, c in triples:
        g = [w for w, _ in kv.most_similar(positive=[a, b], negative=[c], topn=10)]
        h = [w for w, _ in ours.analogy(a, b, c, top_k=10)]
        same_analogy += g == h
    acc_g = kv.evaluate_word_analogies(os.path.join(SHARED, "questions-words.txt"), restrict_vocab=30000,
                                       case_insensitive=True)[0]
    acc_h = evaluate_analogies(ours, os.path.join(SHARED, "questions-words.txt"))["total"]["accuracy"]
    ws_g = kv.evaluate_word_pairs(os.path.join(SHARED, "wordsim353.tsv"), case_insensitive=True)
    ws_h = evaluate_pairs(ours, os.path.join(SHARED, "wordsim353.tsv"))
    t = time.perf_counter()
    for x in probe[:100]:
        ours.most_similar(x, 10)
    similar_ms = (time.perf_counter() - t) / 100 * 1e3
    out.update({"most_similar_same_top10": f"{same_sim}/{len(probe)}",
                "analogy_same_top10": f"{same_analogy}/{len(triples)}",
                "analogy_accuracy": {"gensim": acc_g, "hw2v": acc_h},
                "ws353_spearman": {"gensim": float(ws_g[1].statistic if hasattr(ws_g[1], 'statistic') else ws_g[1][0]),
                                   "hw2v": ws_h["spearman"]},
                "ws353_oov_percent": {"gensim": ws_g[2], "hw2v": 100 * ws_h["oov_ratio"]},
                "similar_ms_after_load": similar_ms})
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:3])
