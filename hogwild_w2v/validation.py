"""Held-out SGNS loss: fixed batches (no subsampling, fixed windows and negatives) and their mean loss."""
from __future__ import annotations

import numpy as np

from .batching import chunk_bounds, iter_chunks, make_batch, negative_cdf
from .sgns import batch_loss

VAL_TOKENS = 100_000          # validation loss is measured on at most this many held-out tokens


def validation_batches(corpus, offsets, counts, cfg, first_sent=0):
    """Fixed validation batches: no subsampling, windows and negatives from a fixed seed."""
    rng = np.random.default_rng(12345)
    cdf = negative_cdf(counts, cfg.ns_exponent)
    end = int(np.searchsorted(offsets, offsets[first_sent] + VAL_TOKENS, side="left"))
    end = min(max(end, first_sent + 1), len(offsets) - 1)
    bounds = first_sent + chunk_bounds(np.asarray(offsets[first_sent:end + 1]) - offsets[first_sent],
                                       cfg.batch_words)
    return [make_batch(tokens, sent, None, cdf, cfg.window, cfg.negative, cfg.group, cfg.negatives_per_block, rng,
                       subsample=False, direction=cfg.direction)
            for _, tokens, sent in iter_chunks(corpus, offsets, bounds)]


def mean_loss(w_in, w_out, batches):
    pairs = sum(b.n_pairs for b in batches)
    return sum(batch_loss(w_in, w_out, b) for b in batches) / max(pairs, 1)
