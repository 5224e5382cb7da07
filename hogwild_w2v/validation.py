"""Held-out loss: fixed batches (no subsampling, fixed windows and negatives) and the model's mean loss on them."""
from __future__ import annotations

import numpy as np

from .batching import chunk_bounds, iter_chunks, negative_cdf
from .errors import HW2VError
from . import models

VAL_TOKENS = 100_000          # validation loss is measured on at most this many held-out tokens


def validation_batches(corpus, offsets, counts, cfg, first_sent=0):
    """Fixed validation batches: no subsampling, windows and negatives from a fixed seed."""
    rng = np.random.default_rng(12345)
    cdf = negative_cdf(counts, cfg.ns_exponent)
    end = int(np.searchsorted(offsets, offsets[first_sent] + VAL_TOKENS, side="left"))
    end = min(max(end, first_sent + 1), len(offsets) - 1)
    bounds = first_sent + chunk_bounds(np.asarray(offsets[first_sent:end + 1]) - offsets[first_sent],
                                       cfg.batch_words)
    return [models.batch_for(cfg, tokens, sent, None, cdf, rng) for _, tokens, sent in iter_chunks(corpus, offsets, bounds)]


def mean_loss(cfg, mats, batches, tree=None):
    """The loss per prediction (positive pair; CBOW: center) over `batches`, at the matrices `mats`."""
    pairs = sum(b.n_pairs for b in batches)
    return sum(models.loss(cfg, mats, b, tree) for b in batches) / max(pairs, 1)


def plan_validation(data, cfg):
    """(sentences that train, fixed validation batches or None): with `cfg.val`, the validation corpus that
    preprocess wrote, or else the last ~1% of sentences (at most VAL_TOKENS tokens), held back from training."""
    offsets = data.offsets
    n_sent = len(offsets) - 1
    if not cfg.val:
        return n_sent, None
    if data.val_corpus is not None:
        return n_sent, validation_batches(data.val_corpus, data.val_offsets, data.counts, cfg)
    held = min(VAL_TOKENS, data.tokens // 100)
    train_sents = int(np.searchsorted(offsets, data.tokens - held, side="left"))
    if train_sents < 1 or train_sents >= n_sent:
        raise HW2VError("--val: the corpus is too small to hold back a validation slice; use preprocess --val-input")
    return train_sents, validation_batches(data.corpus, offsets, data.counts, cfg, train_sents)
