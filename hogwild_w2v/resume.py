"""Resuming from a checkpoint: what must match, and where each worker starts again."""
from __future__ import annotations

import numpy as np

from .config import TrainConfig
from .errors import HW2VError


def check_resumable(state, cfg, data, train_sents):
    saved = TrainConfig.from_dict(state["config"])
    for key in TrainConfig.MODEL_KEYS:
        if getattr(saved, key) != getattr(cfg, key):
            raise HW2VError(f"cannot resume: --{key.replace('_', '-')} was {getattr(saved, key)} in the "
                            f"checkpoint, now {getattr(cfg, key)}")
    if state["vocab_sha256"] != data.vocab_sha256:
        raise HW2VError("cannot resume: the vocabulary differs from the checkpoint's")
    if state["train_tokens"] != int(data.offsets[train_sents]):
        raise HW2VError("cannot resume: the corpus differs from the checkpoint's")
    done_epochs = state["words_done"] / state["train_tokens"]
    if cfg.epochs < done_epochs:
        raise HW2VError(f"cannot resume: the checkpoint has done {done_epochs:.2f} epochs, more than --epochs "
                        f"{cfg.epochs}")


def start_positions(state, bounds, offsets, n_workers, train_tokens):
    """Per-worker (epoch, next_sent, words_done, rng_state) for a resumed run.

    The same worker count resumes every worker exactly. Another count cannot map old positions onto new shares,
    so each new worker starts at the same fraction of its share as the run had done of its epoch, with a fresh
    random stream: global progress (and so the lr schedule) is kept; the coverage of that epoch is approximate.
    """
    if state["workers"] == n_workers:
        return [(w["epoch"], w["next_sent"], w["words_done"], w["rng"]) for w in state["worker_states"]]
    done = state["words_done"]
    epoch, within = divmod(done, train_tokens)
    frac = within / train_tokens
    starts = []
    for k in range(n_workers):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        target = offsets[lo] + frac * (offsets[hi] - offsets[lo])
        nxt = min(max(int(np.searchsorted(offsets, target, side="left")), lo), hi)
        starts.append((int(epoch), nxt, done // n_workers + (done % n_workers if k == 0 else 0), None))
    return starts
