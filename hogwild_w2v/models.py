"""The four word2vec models as one config value: which matrices a run has, and which kernel steps train them.

    --model sg,   negative > 0   sgns.sgns_step        w_in, w_out
    --model sg,   --hs           hs.sg_hs_step         w_in, w_hs
    --model cbow, negative > 0   cbow.cbow_step        w_in, w_out      (and w_hs with --hs: one hidden vector)
    --model cbow, --hs           cbow.cbow_step        w_in, w_hs

`w_in` (V, d) holds the word vectors every model trains (PREFIX_center.npy); `w_out` (V, d) the negative-sampling
output vectors (PREFIX_context.npy); `w_hs` (V - 1, d) the Huffman tree's inner nodes (PREFIX_hs.npy). Skip-gram
with both objectives takes both steps on each batch, as word2vec.c adds both to each pair. The worker and the
coordinator never branch on the model: they ask this module.
"""
from __future__ import annotations

import numpy as np

from .batching import keep_probabilities, make_batch
from .cbow import cbow_loss, cbow_step
from .config import TrainConfig
from .hs import sg_hs_loss, sg_hs_step
from .huffman import HuffmanTree, build_tree
from .sgns import batch_loss, sgns_step

MATRICES = ("w_in", "w_out", "w_hs")     # in this order in checkpoints and shared memory


def batch_for(cfg: TrainConfig, tokens, sent, keep_prob, cdf, rng):
    """The batch of one chunk in this model's layout, at `cfg`'s window, negatives and blocks (`make_batch`)."""
    return make_batch(tokens, sent, keep_prob, cdf, rng, window=cfg.window, negative=cfg.negative, group=cfg.group,
                      shared_negatives=cfg.negatives_per_block, direction=cfg.input_direction, model=cfg.model)


def matrix_shapes(cfg: TrainConfig, vocab_size: int) -> dict:
    """name -> (rows, dim) of every matrix this model trains."""
    shapes = {"w_in": (vocab_size, cfg.dim)}
    if cfg.negative > 0:
        shapes["w_out"] = (vocab_size, cfg.dim)
    if cfg.hs:
        shapes["w_hs"] = (max(vocab_size - 1, 1), cfg.dim)
    return shapes


def tree_for(cfg: TrainConfig, counts) -> HuffmanTree | None:
    return build_tree(counts) if cfg.hs else None


def start_loss(cfg: TrainConfig, counts, tree: HuffmanTree | None = None) -> float:
    """The loss per prediction of a fresh model (every score 0): log 2 per sigmoid, 1 + negative of them for
    negative sampling, a path's length for hierarchical softmax (the mean over the words that subsampling keeps,
    which are rarer, with longer codes, than the raw counts say). The divergence check compares against it."""
    sigmoids = (1 + cfg.negative) if cfg.negative > 0 else 0
    if cfg.hs:
        kept = np.asarray(counts, dtype=np.float64) * keep_probabilities(counts, cfg.sample)
        sigmoids += (tree or build_tree(counts)).mean_length(kept)
    return float(sigmoids * np.log(2.0))


def step(cfg: TrainConfig, mats: dict, batch, lr, tree=None, want_loss=True, acc=None):
    """One training step of this model on `batch`: (loss sum, predictions) with predictions = positive pairs for
    skip-gram, centers with a context for CBOW."""
    w_in, w_out, w_hs = mats["w_in"], mats.get("w_out"), mats.get("w_hs")
    if cfg.model == "cbow":
        return cbow_step(w_in, w_out, w_hs, batch, lr, tree=tree, mean=cfg.cbow_mean, want_loss=want_loss,
                         damping=cfg.damping, acc=acc)
    loss, pairs = 0.0, batch.n_pairs
    if w_out is not None:
        loss, pairs = sgns_step(w_in, w_out, batch, lr, want_loss=want_loss, damping=cfg.damping, acc=acc)
    if w_hs is not None:
        hs_loss, pairs = sg_hs_step(w_in, w_hs, batch, lr, tree, want_loss=want_loss, damping=cfg.damping, acc=acc)
        loss += hs_loss
    return loss, pairs


def loss(cfg: TrainConfig, mats: dict, batch, tree=None) -> float:
    """The batch's total loss at the current parameters (no update): validation and tests."""
    w_in, w_out, w_hs = mats["w_in"], mats.get("w_out"), mats.get("w_hs")
    if cfg.model == "cbow":
        return cbow_loss(w_in, w_out, w_hs, batch, tree=tree, mean=cfg.cbow_mean)
    total = batch_loss(w_in, w_out, batch) if w_out is not None else 0.0
    if w_hs is not None:
        total += sg_hs_loss(w_in, w_hs, batch, tree)
    return total
