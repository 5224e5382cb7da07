"""Where the expected answer of each analogy question ranks: accuracy, mean reciprocal rank (MRR) and top-10 per
group of vector files, mean +- standard error over the files (seeds).

    python scripts/analogy_ranks.py --vocab DATA/vocab.json --group hw2v 'runs/hw2v-*_center.npy' \
        --group gensim 'runs/gensim-*.txt' [--questions questions-words.txt] [--compare hw2v gensim]

Accuracy on a small section moves in steps of one question (0.5 points on the demo corpus's 201 semantic
questions); MRR also counts near misses. Both use the evaluator's conventions: 3CosAdd over the 30,000 most
frequent words, case-insensitive, the three query words excluded. `.txt` vectors (word2vec format, e.g.
gensim's) are put in the vocabulary's order first, as `parity.py` does. `--compare A B` lists the questions
whose accuracy over the seeds differs most between two groups. A second table gives the vectors' mean length by
frequency band: nearly the same from seed to seed, so a steadier sign of how far training moved them.
"""
import argparse
import glob
import json

import numpy as np

from hogwild_w2v.evaluate import BUNDLED, analogy_ranks
from hogwild_w2v.vectors import Vectors


def reorder(vec, words):
    """Rows in hw2v's vocabulary order (frequency, ties alphabetical), so that every tool is scored alike."""
    rows = [vec.index[w] for w in words if w in vec.index]
    return Vectors([vec.words[i] for i in rows], np.asarray(vec.matrix)[rows])


def load(path, vocab):
    if path.endswith(".npy"):
        return Vectors.load(path, vocab)
    return reorder(Vectors.load(path), json.load(open(vocab))["words"])


def summary(section_ranks, group):
    """accuracy %, MRR and top-10 % over the sections of `group` (semantic | syntactic | total)."""
    keep = [k for k in section_ranks
            if group == "total" or (k.startswith("gram") == (group == "syntactic"))]
    r = np.concatenate([section_ranks[k][1] for k in keep])
    return 100 * float((r == 0).mean()), float((1 / (1 + r)).mean()), 100 * float((r < 10).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", required=True, help="the data dir's vocab.json (the rows' words and order)")
    ap.add_argument("--group", nargs=2, action="append", metavar=("NAME", "GLOB"), required=True)
    ap.add_argument("--questions", default=BUNDLED["analogies"])
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    per_group = {}
    print("| group | seeds | part | accuracy | MRR | top-10 |\n|---|---:|---|---|---|---|")
    for name, pattern in args.group:
        files = sorted(glob.glob(pattern))
        if not files:
            raise SystemExit(f"Error: no file matches {pattern!r}")
        per_group[name] = [analogy_ranks(load(f, args.vocab), args.questions) for f in files]
        for part in ("semantic", "syntactic", "total"):
            m = np.array([summary(r, part) for r in per_group[name]])        # (seeds, 3)
            se = m.std(axis=0) / np.sqrt(len(m))
            print(f"| {name} | {len(m)} | {part} | {m[:, 0].mean():.2f} +- {se[0]:.2f} | "
                  f"{m[:, 1].mean():.4f} +- {se[1]:.4f} | {m[:, 2].mean():.2f} +- {se[2]:.2f} |")
    print("\nmean vector length by frequency rank (the rows' order is the vocabulary's, most frequent first):")
    print("| group | 1-100 | 101-1,000 | 1,001-5,000 | 5,001- |\n|---|---|---|---|---|")
    for name, pattern in args.group:
        lengths = []
        for f in sorted(glob.glob(pattern)):
            m = np.linalg.norm(np.asarray(load(f, args.vocab).matrix, dtype=np.float64), axis=1)
            lengths.append([m[a:b].mean() for a, b in ((0, 100), (100, 1000), (1000, 5000), (5000, len(m)))])
        print(f"| {name} | " + " | ".join(f"{x:.2f}" for x in np.mean(lengths, axis=0)) + " |")
    if args.compare:
        words = json.load(open(args.vocab))["words"]
        hit = {}
        for name in args.compare:
            runs = per_group[name]
            sections = list(runs[0])
            ids = np.concatenate([runs[0][k][0] for k in sections])
            hit[name] = np.mean([np.concatenate([r[k][1] for k in sections]) == 0 for r in runs], axis=0)
        a, b = args.compare
        diff = hit[b] - hit[a]
        print(f"\nquestions {b} answers more often than {a} (share of seeds; frequency ranks of the four words):")
        for i in np.argsort(-diff)[:20]:
            print(f"  {' '.join(words[j] for j in ids[i]):40s} {a} {hit[a][i]:.2f}  {b} {hit[b][i]:.2f}  "
                  f"{list(map(int, ids[i]))}")


if __name__ == "__main__":
    main()
