"""Build the parity grid's corpora from the bench corpus (nothing here is committed: run it, then preprocess).

    python scripts/make_corpora.py --bench ../shared/corpora/bench.txt.gz --out /tmp/corpora

Writes, as plain text with one sentence per line:
  sample-0.8M.txt  a seeded random sample of bench lines, ~0.8M tokens (bench's short lines: median 13 tokens)
  long-0.8M.txt    consecutive bench lines joined into ~75-token lines, ~0.8M tokens
  long-7M.txt      the same over the whole bench corpus (~7.2M tokens)
  tiny-60k.txt     300 documents of ~190 tokens (the size of gensim's Lee background corpus), for
                   stability tests at small scale
"""
import argparse
import gzip
import os

import numpy as np


def join_lines(lines, target):
    """Consecutive lines joined until each output line has about `target` tokens."""
    out, cur, n = [], [], 0
    for line in lines:
        toks = line.split()
        cur.extend(toks)
        n += len(toks)
        if n >= target:
            out.append(" ".join(cur))
            cur, n = [], 0
    if cur:
        out.append(" ".join(cur))
    return out


def take_tokens(lines, budget):
    out, n = [], 0
    for line in lines:
        if n >= budget:
            break
        out.append(line)
        n += len(line.split())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpora",
                                                    "bench.txt.gz"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with gzip.open(args.bench, "rt") as fh:
        lines = [line.strip() for line in fh if line.strip()]
    rng = np.random.default_rng(args.seed)
    shuffled = [lines[i] for i in rng.permutation(len(lines))]
    long_all = join_lines(lines, 75)
    start = int(rng.integers(0, len(lines) // 2))
    corpora = {
        "sample-0.8M": take_tokens(shuffled, 800_000),
        "long-0.8M": take_tokens(join_lines(lines[start:], 75), 800_000),
        "long-7M": long_all,
        "tiny-60k": take_tokens(join_lines(shuffled, 190), 58_000),
    }
    for name, body in corpora.items():
        path = os.path.join(args.out, name + ".txt")
        with open(path, "w") as fh:
            fh.write("\n".join(body) + "\n")
        lengths = [len(x.split()) for x in body]
        print(f"{path}: {sum(lengths):,} tokens, {len(body):,} lines, median {int(np.median(lengths))} a line")


if __name__ == "__main__":
    main()
