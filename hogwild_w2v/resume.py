"""Where a run starts: fresh matrices, or a checkpoint (what must match, and where the run goes on).

The position in the corpus is one number, `next_chunk` (batching.chunk_bounds cuts every epoch the same way
for any number of workers), so a run resumes exactly with any `--workers`: no chunk is trained twice or skipped.
Worker k gets back its random stream when the checkpoint had a worker k, a fresh one from (seed, k) otherwise.
"""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np

from . import checkpoint as ckpt
from .config import TrainConfig
from .errors import HW2VError
from .models import matrix_shapes
from .outputs import outputs_exist, run_identity, save_outputs


def check_resumable(state, cfg, data, train_sents, flag_names=None):
    """Raise a one-line error unless `state` can continue under `cfg` on this data.

    `flag_names` maps config keys to the command-line flags that set them, for the messages."""
    if "next_chunk" not in state:
        raise HW2VError("cannot resume: the checkpoint was written by an earlier hw2v (fixed worker shares); "
                        "start over with --force")
    saved = TrainConfig.from_dict(state["config"])
    cfg = adopt_checkpoint_settings(cfg, state)      # what the run would go on with ("auto" -> the checkpoint's)
    names = flag_names or {}
    for key in TrainConfig.MODEL_KEYS:
        if getattr(saved, key) != getattr(cfg, key):
            flag = names.get(key, key)          # the flag under the CLI, the TrainConfig field from Python
            raise HW2VError(f"cannot resume: {flag} was {getattr(saved, key)} in the checkpoint, "
                            f"now {getattr(cfg, key)}")
    if state["vocab_sha256"] != data.vocab_sha256:
        raise HW2VError("cannot resume: the vocabulary differs from the checkpoint's")
    if state["train_tokens"] != int(data.offsets[train_sents]):
        raise HW2VError("cannot resume: the corpus differs from the checkpoint's")
    done_epochs = state["next_chunk"] / state["n_chunks"]
    if cfg.epochs < done_epochs:
        raise HW2VError(f"cannot resume: the checkpoint has done {done_epochs:.2f} epochs, more than --epochs "
                        f"{cfg.epochs}")


def adopt_checkpoint_settings(cfg, state):
    """`cfg` with the checkpoint's `chunk_batches`, and its direction where `cfg` says "auto": a chunk number means a
    place in the corpus only under the chunking that counted it (checkpoints written before chunks held several
    kernel calls have 1), and a run goes on in the direction it was trained in (checkpoints written before
    skip-gram's "auto" meant word2vec.c's direction were trained in the center's). A direction named outright is
    kept, for check_resumable to compare."""
    saved = TrainConfig.from_dict(state["config"])
    direction = saved.input_direction if cfg.direction == "auto" else cfg.direction
    return dataclasses.replace(cfg, chunk_batches=saved.chunk_batches, direction=direction)


def words_done(next_chunk, bounds, offsets, train_tokens):
    """Training tokens in chunks 0..next_chunk-1 of the run (whole epochs plus a part of the current one)."""
    n_chunks = len(bounds) - 1
    epoch, k = divmod(int(next_chunk), n_chunks)
    return epoch * train_tokens + int(offsets[bounds[k]])


def rng_states(state, n_workers, rank=0):
    """Each new worker's saved random stream, or None (a fresh stream) where the checkpoint had fewer workers
    (across machines: this rank's workers in a checkpoint of several ranks, none where it had fewer ranks)."""
    if state and "rank_worker_states" in state:
        ranks = state["rank_worker_states"]
        states = ranks[rank] if rank < len(ranks) else []
    else:
        states = state["worker_states"] if state and rank == 0 else []
    saved = [w["rng"] for w in states]
    return [saved[k] if k < len(saved) else None for k in range(n_workers)]


def init_matrices(vocab_size, dim, seed):
    """Input vectors uniform in +-1/dim, as gensim 4 (word2vec.c: +-0.5/dim); output vectors zero.

    Both output and input start near the saddle at zero, and the start's scale sets how soon learning leaves
    it: with few epochs of a small corpus that is visible in the end (sample-0.8M, dim 50 / window 8 / negative 10
    / sample 1e-4, 3 seeds: analogy 1.15% at +-0.5/dim, 1.38% at +-1/dim, gensim 1.48%; the exact word2vec.c
    loop at +-0.5/dim 1.18%: docs/BENCHMARKS.md). On the bench corpus it changes nothing measurable."""
    rng = np.random.default_rng(seed)
    w_in = (rng.random((vocab_size, dim), dtype=np.float32) * np.float32(2.0) - np.float32(1.0)) / np.float32(dim)
    return w_in, np.zeros((vocab_size, dim), dtype=np.float32)


def init_model(cfg, vocab_size):
    """Every matrix of the model (models.matrix_shapes): w_in as `init_matrices`, the output sides (w_out for
    negative sampling, w_hs for the Huffman tree's inner nodes) zero, as word2vec.c's syn1neg and syn1."""
    w_in, _ = init_matrices(vocab_size, cfg.dim, cfg.seed)
    return {name: w_in if name == "w_in" else np.zeros(shape, dtype=np.float32)
            for name, shape in matrix_shapes(cfg, vocab_size).items()}


def starting_point(ckpt_dir, cfg, data, train_sents, resume, force, flag_names=None, warn=None):
    """(matrices (name -> array), checkpoint state or None) to start from: the newest intact checkpoint with
    `resume`, else fresh matrices; an earlier run's checkpoints are removed with `force` and refused without it."""
    if resume:
        found = ckpt.load_latest(ckpt_dir, warn=warn or (lambda msg: None))
        if found is None:
            raise HW2VError(f"no checkpoint to resume from in '{ckpt_dir}'")
        _, mats, state = found
        check_resumable(state, cfg, data, train_sents, flag_names)
    else:
        if ckpt.list_checkpoints(ckpt_dir):
            if not force:
                # a fresh run would number its checkpoints from 1 and prune the earlier run's: refuse
                raise HW2VError(f"'{ckpt_dir}' holds checkpoints of an earlier run: continue it with --resume, "
                                f"or start over with --force")
            shutil.rmtree(ckpt_dir)
        mats = init_model(cfg, len(data.words))
        state = None
    want = matrix_shapes(cfg, len(data.words))
    if {k: v.shape for k, v in mats.items()} != want:
        raise HW2VError("cannot resume: checkpoint matrices do not match the vocabulary, --dim and the model")
    return mats, state


def finished_run(prefix, cfg, data, mats, state, write=True):
    """A finished run resumed with the same --epochs: nothing to train; the outputs written if they are missing
    (say a full disk stopped them). Returns what `PREFIX_config.json` records, marked `already_complete`."""
    info = {**run_identity(cfg, data), "train_tokens": state["train_tokens"], "epochs_done": state["next_chunk"] / state["n_chunks"],
            "words_done": state["words_done"], "already_complete": True, "checkpoint_step": state["step"]}
    if write and not outputs_exist(prefix, mats):
        save_outputs(prefix, mats, info)
        info["wrote_outputs"] = True
    return info
