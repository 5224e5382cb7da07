"""An exact, slow reference: word2vec.c's skip-gram negative-sampling loop in plain NumPy, one pair at a time.

Not part of the package and never on the training path: it is the ground truth that `hw2v`'s batched kernel
and gensim are measured against (docs/BENCHMARKS.md, "Parity"), and the tests' independent reference.

It follows word2vec.c's `TrainModelThread` for `-cbow 0 -hs 0`:
  * a sentence is subsampled first (keep a word of count c with (sqrt(c/(s*T)) + 1) * s*T / c), then walked
    word by word; the effective window of each center is drawn uniformly from 1..window;
  * for every context word inside that window, word2vec.c's input is the *context's* syn0 row `l1`; it
    predicts the center's syn1neg row (label 1) and `negative` fresh negatives drawn from unigram ** 0.75
    (a negative equal to the center is skipped, as in word2vec.c), each output row updated at once,
    syn0[context] once the pair's negatives are done;
  * the learning rate decays linearly with the words processed over all epochs, floored at lr * 1e-4.
Two documented differences, both on the side of exactness: the sigmoid is computed, not read from a
1,000-entry table clipped at +-6, and negatives are drawn by inverse CDF instead of from a 1e8-entry table.

    python scripts/reference.py DATA_DIR OUT_PREFIX --epochs 5 --seed 1     # writes OUT_PREFIX_center.npy
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

try:
    from hogwild_w2v.batching import keep_probabilities, negative_cdf
    from hogwild_w2v.data import open_data
except ImportError:                      # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from hogwild_w2v.batching import keep_probabilities, negative_cdf
    from hogwild_w2v.data import open_data


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def pair_update(syn0, syn1neg, context, targets, labels, alpha):
    """One word2vec.c pair: syn0[context] predicts syn1neg[targets] (label 1 first, then 0s), in order.

    Updates both matrices in place and returns the pair's loss before the update. Output rows are updated one
    after another, so a negative drawn twice sees its first update, exactly as in word2vec.c; without repeats
    the vectorised form below is the same computation.
    """
    l1 = syn0[context]                                     # (d,)
    if len(set(targets.tolist())) == len(targets):
        rows = syn1neg[targets]                            # (K+1, d)
        f = rows @ l1                                      # (K+1,)
        g = (labels - sigmoid(f)) * alpha                  # (K+1,)
        neu1e = g @ rows                                   # (d,)
        syn1neg[targets] += g[:, None] * l1[None, :]       # distinct rows: plain fancy-index add is exact
    else:
        f = np.empty(len(targets))
        neu1e = np.zeros_like(l1)
        for i, t in enumerate(targets):
            f[i] = syn1neg[t] @ l1
            g = (labels[i] - sigmoid(f[i])) * alpha
            neu1e += g * syn1neg[t]
            syn1neg[t] += g * l1
    syn0[context] += neu1e
    z = np.where(labels > 0, -f, f)
    return float(np.logaddexp(0.0, z).sum())


def train_reference(corpus, offsets, counts, dim=100, window=5, negative=5, sample=1e-3, lr=0.025, epochs=5,
                    seed=1, ns_exponent=0.75, init=None, log_every=0, init_scale=1.0):
    """Train and return (syn0, syn1neg, mean loss per pair of the last epoch). `init` = (syn0, syn1neg); else
    syn0 uniform in +-0.5 * init_scale / dim (word2vec.c: init_scale 1; gensim 4: 2)."""
    rng = np.random.default_rng(seed)
    V = len(counts)
    if init is None:
        syn0 = ((rng.random((V, dim)) - 0.5) * init_scale / dim).astype(np.float32)
        syn1neg = np.zeros((V, dim), dtype=np.float32)
    else:
        syn0, syn1neg = (np.array(m, dtype=np.float32) for m in init)
    keep = keep_probabilities(counts, sample)
    cdf = negative_cdf(counts, ns_exponent)
    tokens = int(offsets[-1])
    total = epochs * tokens
    done, last_loss, t0 = 0, 0.0, time.time()
    labels = np.zeros(negative + 1, dtype=np.float32)
    labels[0] = 1.0
    for epoch in range(epochs):
        loss_sum, pairs = 0.0, 0
        for k in range(len(offsets) - 1):
            sent = np.asarray(corpus[offsets[k]:offsets[k + 1]], dtype=np.int64)
            alpha = max(lr * 1e-4, lr * (1.0 - done / total))     # word2vec.c: per 10k words; here per sentence
            done += len(sent)
            if sample > 0:
                sent = sent[rng.random(len(sent)) < keep[sent]]
            n = len(sent)
            radius = window - rng.integers(0, window, size=n)      # word2vec.c: b = rand % window
            for i in range(n):
                word = sent[i]
                r = radius[i]
                for c in range(max(0, i - r), min(n, i + r + 1)):
                    if c == i:
                        continue
                    negs = np.searchsorted(cdf, rng.random(negative), side="right").clip(max=V - 1)
                    negs = negs[negs != word]                      # word2vec.c: `if (target == word) continue;`
                    targets = np.concatenate([[word], negs])
                    loss_sum += pair_update(syn0, syn1neg, sent[c], targets, labels[:len(targets)], alpha)
                    pairs += 1
            if log_every and k % log_every == 0:
                print(f"epoch {epoch} sentence {k}/{len(offsets) - 1} alpha {alpha:.5f} "
                      f"loss {loss_sum / max(pairs, 1):.4f} {time.time() - t0:.0f}s", file=sys.stderr)
        last_loss = loss_sum / max(pairs, 1)
    return syn0, syn1neg, last_loss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir")
    ap.add_argument("prefix")
    for name, default in (("dim", 100), ("window", 5), ("negative", 5), ("epochs", 5), ("seed", 1)):
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--lr", type=float, default=0.025)
    ap.add_argument("--init-scale", type=float, default=1.0, help="syn0 in +-0.5 x this / dim (gensim 4: 2)")
    args = ap.parse_args()
    data = open_data(args.data_dir)
    t = time.perf_counter()
    syn0, syn1neg, loss = train_reference(data.corpus, np.asarray(data.offsets), data.counts, dim=args.dim,
                                          window=args.window, negative=args.negative, sample=args.sample,
                                          lr=args.lr, epochs=args.epochs, seed=args.seed, log_every=2000,
                                          init_scale=args.init_scale)
    seconds = time.perf_counter() - t
    np.save(args.prefix + "_center.npy", syn0)
    np.save(args.prefix + "_context.npy", syn1neg)
    print(json.dumps({"seconds": seconds, "final_epoch_loss": loss}))


if __name__ == "__main__":
    main()
