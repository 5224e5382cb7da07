"""Turn a chunk of corpus into the index arrays of one kernel call: subsampling, windows, negatives.

Prepare, then compute: everything here is whole-array NumPy, no loop per word.
"""
from __future__ import annotations

import numpy as np

from .sgns import Batch


def keep_probabilities(counts, sample):
    """word2vec.c's subsampling: keep an occurrence of a word of count c with (sqrt(c/(s*T)) + 1) * s*T / c."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype(np.float32)


def negative_cdf(counts, exponent=0.75):
    """Cumulative distribution of unigram ** exponent, for `np.searchsorted` sampling (exact; no big table)."""
    p = np.asarray(counts, dtype=np.float64) ** exponent
    cdf = np.cumsum(p)
    return cdf / cdf[-1]


def draw_negatives(cdf, shape, rng):
    """Word ids drawn from the distribution whose cumulative form is `cdf`."""
    ids = np.searchsorted(cdf, rng.random(shape), side="right")
    return np.minimum(ids, len(cdf) - 1)


def chunk_bounds(offsets, batch_words):
    """Sentence boundaries of an epoch's chunks: whole sentences, about `batch_words` tokens each (training passes
    `TrainConfig.chunk_words`: a chunk is one `make_batch`, split into kernel calls by `Batch.split`).

    Chunk k holds sentences [bounds[k], bounds[k+1]). A function of the corpus and `batch_words` alone, so every
    worker, every run and every resume cuts the corpus the same way, whatever the number of workers.
    """
    offsets = np.asarray(offsets)
    targets = np.arange(0, int(offsets[-1]), batch_words)                  # (~tokens / batch_words,)
    starts = np.unique(np.searchsorted(offsets, targets, side="left"))
    starts = starts[starts < len(offsets) - 1]
    return np.concatenate([starts, [len(offsets) - 1]]).astype(np.int64)   # (n_chunks + 1,)


def epoch_bounds(offsets, train_sents, chunk_words):
    """The chunks of a training epoch (its first `train_sents` sentences): what the coordinator counts positions
    in and every worker trains, each computing it for itself (so that a worker's start-up message stays small)."""
    return chunk_bounds(np.asarray(offsets[:train_sents + 1]), chunk_words)


def iter_chunks(corpus, offsets, bounds, first=0, stop=None):
    """Yield (chunk index, tokens, sentence numbers) of chunks first..stop-1, for `make_batch`."""
    for k in range(first, len(bounds) - 1 if stop is None else stop):
        s, e = int(bounds[k]), int(bounds[k + 1])
        lo, hi = int(offsets[s]), int(offsets[e])
        yield k, np.asarray(corpus[lo:hi]), sentence_ids(np.asarray(offsets[s:e + 1]) - lo)


def sentence_ids(offsets_local):
    """For a chunk whose sentences start at `offsets_local` (relative, ending with the chunk length)."""
    lengths = np.diff(offsets_local)
    return np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)


def make_batch(tokens, sent, keep_prob, cdf, rng, *, window, negative, group, shared_negatives, direction="center",
               model="sg"):
    """Build a `Batch` from raw `tokens` (word ids) and their sentence numbers `sent`.

    direction "center": the center's input row predicts its contexts' output rows (A = G centers, B = the span);
    "context": word2vec.c's order, each context's input row predicts the center's output row (A = the span,
    B = G centers). Either way negatives are weighted so that each positive pair meets `negative` of them.
    model "cbow" (center layout): one prediction per center that has a context, so each such center's negatives
    weigh `negative / Kb` and `n_pairs` counts those centers (cbow.py).

    Random draws, in this order (so that seeded runs are reproducible): subsampling, effective windows,
    negatives.
    """
    raw = len(tokens)
    tokens = np.asarray(tokens, dtype=np.int64)
    if keep_prob is not None:                        # None: no subsampling (--sample 0; validation batches)
        keep = rng.random(raw, dtype=np.float32) < keep_prob[tokens]
        tokens, sent = tokens[keep], sent[keep]
    n = len(tokens)
    G, W = group, window
    nb = max(1, -(-n // G))
    P = G + 2 * W
    radius = rng.integers(1, W + 1, size=n)          # word2vec.c: effective window uniform in 1..window

    # centers, padded to nb*G; padding rows get a sentence number no span position has, so no contexts
    center_ids = np.zeros(nb * G, dtype=np.int64)
    center_ids[:n] = tokens
    center_sent = np.full(nb * G, -2, dtype=np.int64)
    center_sent[:n] = sent
    center_rad = np.zeros(nb * G, dtype=np.int64)
    center_rad[:n] = radius

    # span of block b: positions b*G - W ... b*G + G + W - 1
    pos = (np.arange(nb) * G)[:, None] + np.arange(-W, G + W)[None, :]      # (nb, P)
    inside = (pos >= 0) & (pos < n)
    posc = np.clip(pos, 0, max(n - 1, 0))
    span_ids = np.where(inside, tokens[posc] if n else 0, 0)                 # (nb, P)
    span_sent = np.where(inside, sent[posc] if n else -1, -1)                # (nb, P)

    # offset of span column c from center g of the same block: c - W - g
    dist = np.abs(np.arange(P)[None, :] - W - np.arange(G)[:, None])         # (G, P)
    pos_mask = ((dist >= 1)[None]
                & (dist[None] <= center_rad.reshape(nb, G, 1))
                & (span_sent[:, None, :] == center_sent.reshape(nb, G, 1)))  # (nb, G, P)
    n_ctx = pos_mask.sum(axis=2)                                              # (nb, G)

    negs = draw_negatives(cdf, (nb, shared_negatives), rng)                  # (nb, Kb)
    if direction == "context":
        pos_mask = pos_mask.transpose(0, 2, 1).copy()                         # (nb, P, G)
        n_in = pos_mask.sum(axis=2)                                           # (nb, P): pairs of each context
        in_ids, out_ids = span_ids, np.concatenate([center_ids.reshape(nb, G), negs], axis=1)
    else:
        n_in = n_ctx
        in_ids, out_ids = center_ids.reshape(nb, G), np.concatenate([span_ids, negs], axis=1)
    per_negative = negative / shared_negatives if shared_negatives else 0.0
    if model == "cbow":
        n_in = n_ctx > 0                                                      # (nb, G): centers that predict
    neg_weight = (n_in * per_negative).astype(np.float32)                    # (nb, A)
    block_pairs = (n_in if model == "cbow" else n_ctx).sum(axis=1, dtype=np.int64)   # (nb,)
    return Batch(in_ids=in_ids, out_ids=out_ids, pos_mask=pos_mask, neg_weight=neg_weight, block_pairs=block_pairs,
                 raw_words=raw)

