"""Held-out SGNS loss: fixed batches (no subsampling, fixed windows and negatives) and their mean loss."""
from __future__ import annotations

import numpy as np

from .batching import make_batch, negative_cdf, sentence_ids
from .sgns import batch_loss
from .worker import chunk_end

VAL_TOKENS = 100_000          # validation loss is measured on at most this many held-out tokens


def validation_batches(corpus, offsets, counts, cfg, first_sent=0):
    """Fixed validation batches: no subsampling, windows and negatives from a fixed seed."""
    rng = np.random.default_rng(12345)
    cdf = negative_cdf(counts, cfg.ns_exponent)
    end = int(np.searchsorted(offsets, offsets[first_sent] + VAL_TOKENS, side="left"))
    end = min(max(end, first_sent + 1), len(offsets) - 1)
    batches, s = [], first_sent
    while s < end:
        e = chunk_end(offsets, s, end, cfg.batch_words)
        lo, hi = int(offsets[s]), int(offsets[e])
        batches.append(make_batch(np.asarray(corpus[lo:hi]), sentence_ids(np.asarray(offsets[s:e + 1]) - lo),
                                  None, cdf, cfg.window, cfg.negative, cfg.group, cfg.negatives_per_block, rng,
                                  subsample=False))
        s = e
    return batches


def mean_loss(w_in, w_out, batches):
    pairs = sum(b.n_pairs for b in batches)
    return sum(batch_loss(w_in, w_out, b) for b in batches) / max(pairs, 1)
