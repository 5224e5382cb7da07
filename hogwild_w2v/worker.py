"""One Hogwild worker process: walks its share of sentences each epoch, updating the shared matrices lock-free.

The worker owns one slot of the shared progress array and writes only that slot (race-free counters); it reads
the sum of all slots to set the learning rate, so the schedule is the same for any number of workers.
At every batch boundary it obeys the coordinator's command word: RUN, PAUSE (send state, wait) or STOP.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

import numpy as np

from .batching import keep_probabilities, make_batch, negative_cdf, sentence_ids
from .config import TrainConfig
from .sgns import sgns_step
from .shm import attach

RUN, PAUSE, STOP = 0, 1, 2
# progress slots, one row per worker: words done, epoch, next sentence, status
WORDS, EPOCH, NEXT, STATUS = range(4)
RUNNING, DONE = 0, 1
# float slots, one row per worker: loss sum, positive pairs
LOSS, PAIRS = range(2)
LOSS_EVERY = 8                # the training loss is measured on one batch in this many


def learning_rate(cfg: TrainConfig, words_done: int, total_words: int) -> float:
    """word2vec.c's schedule: linear decay with words processed over all epochs, floored at `final_lr`."""
    progress = min(1.0, words_done / total_words)
    return max(cfg.final_lr, cfg.lr - (cfg.lr - cfg.final_lr) * progress)


def chunk_end(offsets, start, stop, batch_words):
    """End sentence of the chunk starting at sentence `start`: whole sentences, about `batch_words` tokens."""
    end = int(np.searchsorted(offsets, offsets[start] + batch_words, side="left"))
    return min(max(end, start + 1), stop)


@dataclass
class WorkerSpec:
    wid: int
    data_dir: str
    config: dict
    share: tuple              # (first sentence, end sentence) of this worker's share
    epoch: int                # where to start
    next_sent: int
    words_done: int           # this worker's contribution to global progress so far
    rng_state: dict | None    # None: fresh stream from (seed, wid)
    shm: dict                 # name -> (shm name, shape, dtype)
    total_words: int
    parent_pid: int


def train_share(cfg, w_in, w_out, corpus, offsets, keep_prob, cdf, rng, share, epoch, next_sent,
                progress, wid, losses, ctrl, total_words, on_pause=None, should_exit=lambda: False):
    """The worker loop, free of process knowledge (the in-process tests call it directly).

    Returns the position reached: (epoch, next_sent); epoch == cfg.epochs when the share is done.
    """
    first, stop = share
    n_batches = 0
    while epoch < cfg.epochs:
        if next_sent < first or next_sent >= stop:
            next_sent = first
        while next_sent < stop:
            command = int(ctrl[0])
            if command != RUN:
                if command == STOP or should_exit():
                    return epoch, next_sent
                on_pause(epoch, next_sent)
                continue
            end = chunk_end(offsets, next_sent, stop, cfg.batch_words)
            lo, hi = int(offsets[next_sent]), int(offsets[end])
            sent = sentence_ids(np.asarray(offsets[next_sent:end + 1]) - lo)
            batch = make_batch(corpus[lo:hi], sent, keep_prob, cdf, cfg.window, cfg.negative, cfg.group,
                               cfg.negatives_per_block, rng, subsample=cfg.sample > 0, direction=cfg.direction)
            lr = learning_rate(cfg, int(progress[:, WORDS].sum()), total_words)
            # the loss costs as much as the update itself; one batch in LOSS_EVERY gives the estimate
            want_loss = n_batches % LOSS_EVERY == 0
            n_batches += 1
            loss, pairs = sgns_step(w_in, w_out, batch, lr, want_loss=want_loss, damping=cfg.damping)
            if want_loss:
                losses[wid, LOSS] += loss
                losses[wid, PAIRS] += pairs
            progress[wid, WORDS] += batch.raw_words
            next_sent = end
            progress[wid, NEXT] = next_sent
            if should_exit():
                return epoch, next_sent
        epoch += 1
        next_sent = first
        progress[wid, EPOCH] = epoch
    return epoch, next_sent


def worker_main(spec: WorkerSpec, queue):
    """Process entry point. Only the coordinator acts on Ctrl-C and SIGHUP, which reach the whole group.

    An exception is reported to the coordinator as one line (no traceback on the user's terminal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C and a closed terminal reach the whole group;
    signal.signal(signal.SIGHUP, signal.SIG_IGN)     # the coordinator checkpoints and stops the workers
    try:
        _worker(spec, queue)
    except Exception as exc:           # noqa: BLE001 - anything at all must reach the coordinator
        queue.put(("error", spec.wid, -1, f"{type(exc).__name__}: {exc}"))
        queue.close()
        queue.join_thread()
        os._exit(1)


def _worker(spec: WorkerSpec, queue):
    from .data import open_data

    cfg = TrainConfig.from_dict(spec.config)
    np.seterr(all="ignore")        # a diverging run is reported once, by the coordinator, not as warnings
    segments, arrays = attach(spec.shm)
    try:
        w_in, w_out, progress, losses, ctrl = (arrays[k] for k in ("w_in", "w_out", "progress", "losses", "ctrl"))
        data = open_data(spec.data_dir)
        keep_prob = keep_probabilities(data.counts, cfg.sample)
        cdf = negative_cdf(data.counts, cfg.ns_exponent)
        rng = np.random.default_rng([cfg.seed, spec.wid])
        if spec.rng_state is not None:
            rng.bit_generator.state = spec.rng_state
        progress[spec.wid, WORDS] = spec.words_done
        progress[spec.wid, EPOCH] = spec.epoch

        def state(epoch, next_sent):
            return {"epoch": epoch, "next_sent": next_sent, "words_done": int(progress[spec.wid, WORDS]),
                    "rng": rng.bit_generator.state}

        acked = [0]

        def on_pause(epoch, next_sent):
            gen = int(ctrl[1])
            if gen != acked[0]:
                queue.put(("state", spec.wid, gen, state(epoch, next_sent)))
                acked[0] = gen
            time.sleep(0.002)

        orphaned = lambda: os.getppid() != spec.parent_pid
        epoch, next_sent = train_share(cfg, w_in, w_out, data.corpus, data.offsets, keep_prob, cdf, rng,
                                       spec.share, spec.epoch, spec.next_sent, progress, spec.wid, losses,
                                       ctrl, spec.total_words, on_pause, orphaned)
        if orphaned():
            return
        final = state(epoch, next_sent)
        progress[spec.wid, STATUS] = DONE
        queue.put(("done", spec.wid, int(ctrl[1]), final))
        # a finished worker still answers checkpoint pauses until the coordinator says STOP
        while int(ctrl[0]) != STOP and not orphaned():
            if int(ctrl[0]) == PAUSE:
                on_pause(epoch, next_sent)
            else:
                time.sleep(0.01)
    finally:
        del arrays
        for seg in segments:
            seg.close()
