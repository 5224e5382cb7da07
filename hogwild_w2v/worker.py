"""One Hogwild worker process: claims chunks of the corpus from a shared counter and updates the matrices lock-free.

Work is dynamic: the next chunk goes to whichever worker asks first, so a run ends when the corpus is done, not
when its slowest worker is, and the position in the corpus is one number (the next chunk of `epochs x chunks`)
that means the same for any number of workers: a checkpoint resumes exactly with another `--workers`.

The worker owns one row of the shared progress array and writes only that row (race-free counters); it reads the
sum of all rows to set the learning rate, so the schedule is the same for any number of workers. At every batch
boundary it obeys the coordinator's command: RUN, PAUSE (send state, wait) or STOP; every chunk it has claimed is
finished before it pauses, so a pause is a consistent point to checkpoint.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

import numpy as np

from .batching import epoch_bounds, iter_chunks, keep_probabilities, negative_cdf
from .config import TrainConfig, learning_rate
from .models import MATRICES, batch_for, step, tree_for
from .shm import attach

RUN, PAUSE, STOP = 0, 1, 2
# control slots: the coordinator writes COMMAND and GENERATION; workers advance NEXT_CHUNK under the lock.
# CHUNK_LIMIT: no chunk at or past it is claimed until the coordinator raises it (a sync point across machines;
# the run's end on one). The learning rate's word count is LR_BASE + LR_SCALE x (this machine's words - LR_LOCAL):
# on one machine 0 + 1 x words; across R machines the global count at the last sync plus R x the words since.
COMMAND, GENERATION, NEXT_CHUNK, CHUNK_LIMIT, LR_BASE, LR_SCALE, LR_LOCAL = range(7)
CTRL_SLOTS = 7
WAIT = -1                     # claim_chunk: the next chunk is past CHUNK_LIMIT
# progress slots, one row per worker: words done (this run's share of global progress), status
WORDS, STATUS = range(2)
DONE, ATTACHED = 1, 2          # STATUS: 0 until the worker has attached the shared arrays
# float slots, one row per worker: loss sum, positive pairs
LOSS, PAIRS = range(2)
LOSS_EVERY = 8                # the training loss is measured on one batch in this many


@dataclass
class WorkerSpec:
    wid: int
    data_dir: str
    config: dict
    train_sents: int          # the epoch's sentences; the worker cuts them into chunks itself (epoch_bounds), so
                              # that what start_workers sends a worker stays a few KB whatever the corpus (spawn.py)
    rng_state: dict | None    # None: fresh stream from (seed, wid)
    shm: dict                 # name -> (shm name, shape, dtype)
    total_words: int          # epochs x training tokens: the lr schedule's length
    parent_pid: int
    stride: int = 1           # this machine trains the run's chunks offset, offset + stride, ... (one per rank)
    offset: int = 0
    lr_factor: float = 1.0    # the schedule's learning rate times this (across R machines: R, distributed.py)


@dataclass
class Shared:
    """What the worker loop reads and writes besides the corpus."""
    mats: dict                # the model's matrices (models.matrix_shapes), float32
    progress: np.ndarray      # (workers, 2) int64: WORDS, STATUS
    losses: np.ndarray        # (workers, 2) float64: LOSS, PAIRS
    ctrl: np.ndarray          # (CTRL_SLOTS,) int64: COMMAND, GENERATION, NEXT_CHUNK, CHUNK_LIMIT, LR_*
    lock: object              # guards NEXT_CHUNK


def claim_chunk(shared: Shared, total_chunks: int):
    """The next of this machine's chunk numbers, None when all are taken, WAIT when it is past CHUNK_LIMIT."""
    with shared.lock:
        c = int(shared.ctrl[NEXT_CHUNK])
        if c >= total_chunks:
            return None
        if c >= shared.ctrl[CHUNK_LIMIT]:
            return WAIT
        shared.ctrl[NEXT_CHUNK] = c + 1
    return c


def lr_words(ctrl, progress):
    """The word count the learning rate decays on (see CHUNK_LIMIT's comment), from the shared `ctrl` and
    `progress` arrays: on one machine the words done, across machines the global estimate."""
    return int(ctrl[LR_BASE] + ctrl[LR_SCALE] * (int(progress[:, WORDS].sum()) - ctrl[LR_LOCAL]))


def train_chunks(cfg, shared: Shared, *, corpus, offsets, bounds, counts, rng, wid, total_words, on_pause,
                 should_exit=lambda: False, stride=1, offset=0, lr_factor=1.0):
    """The worker loop, free of process knowledge (the in-process tests call it directly).

    This machine's chunk number c is the run's chunk c x stride + offset (across R machines rank r trains r, r + R,
    ...; on one machine every chunk). Every step's learning rate is the schedule's times `lr_factor` (across R
    machines max(1, R / 2): a sync then moves each row twice the ranks' mean move, distributed.py).
    Returns True when its chunks are all taken and this worker's are done, False on STOP or exit.
    """
    keep_prob = keep_probabilities(counts, cfg.sample) if cfg.sample > 0 else None
    cdf = negative_cdf(counts, cfg.ns_exponent)
    tree = tree_for(cfg, counts)                     # the Huffman tree with --hs, else None
    n_chunks = len(bounds) - 1
    total_chunks = local_chunks(cfg.epochs * n_chunks, stride, offset)
    acc = np.zeros(len(counts), dtype=np.float64)   # the kernel's row-total buffer, reused by every step
    n_batches = 0
    while True:
        command = int(shared.ctrl[COMMAND])
        if command != RUN:
            if command == STOP or should_exit():
                return False
            on_pause()
            continue
        c = claim_chunk(shared, total_chunks)
        if c is None:
            return True
        if c == WAIT:                                # a sync point: the coordinator raises the limit after it
            time.sleep(0.0001)                       # (every batch in the batch mode: a short wait counts)
            if should_exit():
                return False
            continue
        k = (c * stride + offset) % n_chunks
        _, tokens, sent = next(iter_chunks(corpus, offsets, bounds, k, k + 1))
        chunk = batch_for(cfg, tokens, sent, keep_prob, cdf, rng)
        for batch in chunk.split(cfg.batch_words):       # one kernel call each; the chunk is finished before a pause
            lr = learning_rate(cfg, lr_words(shared.ctrl, shared.progress), total_words) * lr_factor
            # the loss costs about as much as the update; one batch in LOSS_EVERY gives the estimate
            want_loss = n_batches % LOSS_EVERY == 0
            n_batches += 1
            loss, pairs = step(cfg, shared.mats, batch, lr, tree, want_loss=want_loss, acc=acc)
            if want_loss:
                shared.losses[wid, LOSS] += loss
                shared.losses[wid, PAIRS] += pairs
            shared.progress[wid, WORDS] += batch.raw_words
        if should_exit():
            return False


def local_chunks(total_chunks, stride, offset):
    """How many of the run's chunks 0..total_chunks-1 are offset, offset + stride, ..."""
    return max(0, -(-(total_chunks - offset) // stride))


def worker_main(spec: WorkerSpec, queue, lock):
    """Process entry point. Only the coordinator acts on Ctrl-C, SIGHUP and SIGTERM, which can reach the whole
    group (a terminal; mpiexec forwards them to each rank's group): it checkpoints, then stops the workers (STOP,
    then SIGKILL for one that does not obey), and a worker whose coordinator is gone leaves by itself.

    An exception is reported to the coordinator as one line (no traceback on the user's terminal)."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    try:
        _worker(spec, queue, lock)
    except Exception as exc:           # noqa: BLE001 - anything at all must reach the coordinator
        with contextlib.suppress(OSError):  # the coordinator may be gone (a broken pipe): nobody to tell
            queue.put(("error", spec.wid, -1, f"{type(exc).__name__}: {exc}"))
            queue.close()
        os._exit(1)


def _worker(spec: WorkerSpec, queue, lock):
    from .data import open_data

    cfg = TrainConfig.from_dict(spec.config)
    np.seterr(all="ignore")        # a diverging run is reported once, by the coordinator, not as warnings
    segments, arrays = attach(spec.shm)
    try:
        shared = Shared({k: arrays[k] for k in MATRICES if k in arrays},
                        *(arrays[k] for k in ("progress", "losses", "ctrl")), lock)
        shared.progress[spec.wid, STATUS] = ATTACHED     # the coordinator may now remove the segments' names
        data = open_data(spec.data_dir)
        # rank r > 0 of a distributed run has its own streams; rank 0 those of a run on one machine
        rng = np.random.default_rng([cfg.seed, spec.wid] + ([spec.offset] if spec.offset else []))
        if spec.rng_state is not None:
            rng.bit_generator.state = spec.rng_state
        acked = [0]

        def on_pause():
            gen = int(shared.ctrl[GENERATION])
            if gen != acked[0]:
                queue.put(("state", spec.wid, gen, {"rng": rng.bit_generator.state}))
                acked[0] = gen
            time.sleep(0.002)

        orphaned = lambda: os.getppid() != spec.parent_pid
        bounds = epoch_bounds(data.offsets, spec.train_sents, cfg.chunk_words)      # as the coordinator cut them
        finished = train_chunks(cfg, shared, corpus=data.corpus, offsets=data.offsets, bounds=bounds,
                                counts=data.counts, rng=rng, wid=spec.wid, total_words=spec.total_words,
                                on_pause=on_pause, should_exit=orphaned, stride=spec.stride, offset=spec.offset,
                                lr_factor=spec.lr_factor)
        if not finished or orphaned():
            return
        shared.progress[spec.wid, STATUS] = DONE
        queue.put(("done", spec.wid, int(shared.ctrl[GENERATION]), {"rng": rng.bit_generator.state}))
        # a finished worker still answers checkpoint pauses until the coordinator says STOP
        while int(shared.ctrl[COMMAND]) != STOP and not orphaned():
            if int(shared.ctrl[COMMAND]) == PAUSE:
                on_pause()
            else:
                time.sleep(0.01)
    finally:
        del arrays
        for seg in segments:
            seg.close()
