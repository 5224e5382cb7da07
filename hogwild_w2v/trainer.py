"""The coordinator: shared matrices, N Hogwild workers, progress, checkpoints, signals and the final vectors.

    coordinator                                   worker k (spawned process)
    -----------                                   --------------------------
    w_in, w_out, progress, losses, ctrl  --shm-->  attach by name, memory-map corpus.bin / offsets.npy
    polls progress, prints, logs                   walks sentences [share_k), one batch at a time
    PAUSE + generation  ------------------------>  at a batch boundary: send (epoch, position, rng state)
    saves checkpoint, RUN  -------------------->   goes on
    STOP  -------------------------------------->  returns
"""
from __future__ import annotations

import multiprocessing as mp
from multiprocessing import resource_tracker
import os
import queue as queue_mod
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import psutil

from . import checkpoint as ckpt
from .batching import chunk_bounds
from .config import TrainConfig, learning_rate
from .data import open_data
from .errors import HW2VError
from .outputs import outputs_exist, save_outputs
from .progress import Progress
from .resume import check_resumable, rng_states, words_done
from .shm import SharedArrays
from .spawn import start_workers, stop_workers
from .validation import VAL_TOKENS, mean_loss, validation_batches
from .worker import COMMAND, DONE, GENERATION, NEXT_CHUNK, PAUSE, RUN, STATUS, WORDS

# Ctrl-C, kill, and a closed terminal: each finishes the batch, checkpoints and exits 128 + signal number
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """Training stopped on a signal after writing a checkpoint."""

    def __init__(self, signum, checkpoint):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum, self.checkpoint = signum, checkpoint


class WorkerDied(HW2VError):
    pass


class Diverged(HW2VError):
    pass


# A fresh model scores 0 everywhere, so its loss per positive pair is (1 + negative) * log 2; training lowers it.
# A loss this many times above that start, or a vector longer than MAX_NORM (healthy vectors stay below ~10:
# beyond |s| ~ 30 the sigmoid is flat in float32), means the run has diverged, finite or not.
DIVERGED_LOSS_FACTOR = 3.0
MAX_NORM = 1e3


def divergence(cfg, loss, w_in=None, w_out=None):
    """A one-line reason if the run has diverged, else None (matrices are checked in row chunks)."""
    start = (1 + cfg.negative) * np.log(2.0)
    if loss is not None and not np.isfinite(loss):
        return "the loss is not finite"
    if loss is not None and loss > DIVERGED_LOSS_FACTOR * start:
        return f"the loss per pair is {loss:.3g}, above {DIVERGED_LOSS_FACTOR:g}x its starting value {start:.3g}"
    for name, mat in (("input", w_in), ("output", w_out)):
        if mat is None:
            continue
        for lo in range(0, len(mat), 65536):
            block = mat[lo:lo + 65536]
            norm_sq = np.einsum("ij,ij->i", block, block)
            if not np.all(norm_sq <= MAX_NORM ** 2):        # also catches NaN
                if not np.all(np.isfinite(norm_sq)):
                    return f"an {name} vector is not finite"
                return f"an {name} vector's length is {np.sqrt(norm_sq.max()):.3g}, above {MAX_NORM:g}"
    return None


def default_checkpoint_dir(prefix):
    return prefix + "_checkpoints"


def init_matrices(vocab_size, dim, seed):
    """word2vec.c's initialisation: input vectors uniform in +-0.5/dim, output vectors zero."""
    rng = np.random.default_rng(seed)
    w_in = (rng.random((vocab_size, dim), dtype=np.float32) - np.float32(0.5)) / np.float32(dim)
    return w_in, np.zeros((vocab_size, dim), dtype=np.float32)


@dataclass
class _Run:
    """What the polling loop works with, once the workers are started."""
    shm: SharedArrays
    procs: list
    queue: object
    progress: Progress
    n_chunks: int             # chunks of one epoch
    total_words: int          # epochs x training tokens
    train_tokens: int
    val_batches: list | None
    words_at_start: int
    resumed_state: dict | None


class Coordinator:
    """Runs one training job. `resume` continues from the newest intact checkpoint; `force` starts over,
    removing an earlier run's checkpoints; `flag_names` (config key -> command-line flag) words the errors."""

    def __init__(self, data_dir, prefix, cfg: TrainConfig, checkpoint_every=300.0, checkpoint_dir=None,
                 keep_checkpoints=2, resume=False, quiet=False, log_jsonl=None, stream=None, force=False,
                 flag_names=None):
        if resume and force:
            raise HW2VError("--resume and --force contradict each other: continue the run, or start over")
        self.cfg = cfg.validate()
        self.prefix = prefix
        self.force, self.flag_names = force, flag_names
        self.data = open_data(data_dir, want_val=cfg.val)
        self.checkpoint_every = checkpoint_every
        self.ckpt_dir = checkpoint_dir or default_checkpoint_dir(prefix)
        self.keep = keep_checkpoints
        self.resume = resume
        self.quiet, self.log_jsonl, self.stream = quiet, log_jsonl, stream
        self.stop_signal = None
        self.step = 0
        self.worker_errors = {}

    # ---- signals -------------------------------------------------------------------------------
    def _on_signal(self, signum, frame):
        if self.stop_signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt       # second Ctrl-C: abort now; `finally` still cleans up
        self.stop_signal = signum

    # ---- the run -------------------------------------------------------------------------------
    def _plan(self):
        """Which sentences train (the rest may be the validation slice), and the fixed validation batches."""
        cfg, data = self.cfg, self.data
        offsets = data.offsets
        n_sent = len(offsets) - 1
        val_batches, train_sents = None, n_sent
        if cfg.val:
            if data.val_corpus is not None:
                val_batches = validation_batches(data.val_corpus, data.val_offsets, data.counts, cfg)
            else:                          # hold back the last ~1% of sentences (at most VAL_TOKENS tokens)
                held = min(VAL_TOKENS, data.tokens // 100)
                train_sents = int(np.searchsorted(offsets, data.tokens - held, side="left"))
                if train_sents < 1 or train_sents >= n_sent:
                    raise HW2VError("--val: the corpus is too small to hold back a validation slice; "
                                    "use preprocess --val-input")
                val_batches = validation_batches(data.corpus, offsets, data.counts, cfg, train_sents)
        return train_sents, val_batches

    def _starting_point(self, train_sents):
        """(w_in, w_out, checkpoint state or None) to start from."""
        cfg, data = self.cfg, self.data
        if self.resume:
            found = ckpt.load_latest(self.ckpt_dir, warn=lambda m: self._warn(m))
            if found is None:
                raise HW2VError(f"no checkpoint to resume from in '{self.ckpt_dir}'")
            _, w_in0, w_out0, state = found
            check_resumable(state, cfg, data, train_sents, self.flag_names)
            self.step = state["step"]
        else:
            if ckpt.list_checkpoints(self.ckpt_dir):
                if not self.force:
                    # a fresh run would number its checkpoints from 1 and prune the earlier run's: refuse
                    raise HW2VError(f"'{self.ckpt_dir}' holds checkpoints of an earlier run: continue it with "
                                    f"--resume, or start over with --force")
                shutil.rmtree(self.ckpt_dir)
            w_in0, w_out0 = init_matrices(len(data.words), cfg.dim, cfg.seed)
            state = None
        if w_in0.shape != (len(data.words), cfg.dim):
            raise HW2VError("cannot resume: checkpoint matrices do not match the vocabulary and --dim")
        return w_in0, w_out0, state

    def run(self):
        cfg, data = self.cfg, self.data
        train_sents, val_batches = self._plan()
        offsets = data.offsets
        train_tokens = int(offsets[train_sents])
        total_words = cfg.epochs * train_tokens
        bounds = chunk_bounds(offsets[:train_sents + 1], cfg.batch_words)
        total_chunks = cfg.epochs * (len(bounds) - 1)
        w_in0, w_out0, state = self._starting_point(train_sents)
        next_chunk = state["next_chunk"] if state else 0
        if next_chunk >= total_chunks:
            return self._already_complete(w_in0, w_out0, state)
        n = cfg.workers
        V, d = w_in0.shape
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            _start_resource_tracker_ignoring_sighup()
        shm = SharedArrays({"w_in": ((V, d), np.float32), "w_out": ((V, d), np.float32),
                            "progress": ((n, 2), np.int64), "losses": ((n, 2), np.float64),
                            "ctrl": ((3,), np.int64)})
        ctx = mp.get_context("spawn")
        queue, lock = ctx.Queue(), ctx.Lock()
        procs, old_handlers, progress = [], {}, None
        try:                               # from here on every way out unlinks the shared memory
            a = shm.arrays
            a["w_in"][:] = w_in0
            a["w_out"][:] = w_out0
            del w_in0, w_out0
            a["ctrl"][NEXT_CHUNK] = next_chunk
            words_at_start = words_done(next_chunk, bounds, offsets, train_tokens)
            a["progress"][0, WORDS] = words_at_start
            progress = Progress(total_words, cfg.epochs, self.quiet, self.log_jsonl, self.stream)
            if main_thread:
                for sig in STOP_SIGNALS:
                    old_handlers[sig] = signal.signal(sig, self._on_signal)
            procs = start_workers(ctx, n, data.path, cfg, bounds, rng_states(state, n), shm.spec, total_words,
                                  queue, lock)
            run = _Run(shm, procs, queue, progress, len(bounds) - 1, total_words, train_tokens, val_batches,
                       words_at_start, state)
            return self._loop(run)
        finally:
            stop_workers(procs, shm.arrays.get("ctrl"))
            shm.close()                    # first: nothing below may stop the segments being unlinked
            queue.close()
            if progress is not None:
                progress.close()
            for sig, handler in old_handlers.items():
                signal.signal(sig, handler)

    def _already_complete(self, w_in, w_out, state):
        """A finished run resumed with the same --epochs: nothing to train; outputs written if they are missing."""
        info = {"config": self.cfg.to_dict(), "data_dir": os.path.abspath(self.data.path),
                "vocab_sha256": self.data.vocab_sha256, "vocab_size": len(self.data.words),
                "train_tokens": state["train_tokens"], "epochs_done": state["next_chunk"] / state["n_chunks"],
                "words_done": state["words_done"],
                "already_complete": True, "checkpoint_step": state["step"]}
        if not outputs_exist(self.prefix):
            save_outputs(self.prefix, w_in, w_out, info)
            info["wrote_outputs"] = True
        return info

    def _warn(self, msg):
        (self.stream or sys.stderr).write(f"Warning: {msg}\n")

    def _check_divergence(self, loss, arrays=None):
        why = divergence(self.cfg, loss, *((arrays["w_in"], arrays["w_out"]) if arrays is not None else ()))
        if why:
            raise Diverged(f"training diverged: {why}. The last checkpoint is kept; lower --lr to continue.")

    def _check_workers(self, procs, status, queue):
        for k, p in enumerate(procs):
            if p.exitcode is not None and status[k] != DONE:
                self._drain(queue)           # its last message was sent before it exited
                if k in self.worker_errors:
                    how = f"failed: {self.worker_errors[k]}"
                elif p.exitcode < 0:
                    how = f"was killed by {signal.Signals(-p.exitcode).name}"
                else:
                    how = f"exited with code {p.exitcode}"
                raise WorkerDied(f"worker {k} (pid {p.pid}) {how}; the last checkpoint is intact, "
                                 f"continue with --resume")

    def _drain(self, queue):
        """Messages that arrive outside a pause: errors are kept for `_check_workers`, the rest dropped."""
        while True:
            try:
                kind, wid, _, payload = queue.get_nowait()
            except queue_mod.Empty:
                return
            if kind == "error":
                self.worker_errors[wid] = payload

    def _collect_states(self, run):
        """PAUSE the workers at a batch boundary and gather every worker's random state."""
        ctrl = run.shm.arrays["ctrl"]
        ctrl[GENERATION] += 1
        gen = int(ctrl[GENERATION])
        ctrl[COMMAND] = PAUSE
        states = {}
        while len(states) < len(run.procs):
            try:
                kind, wid, g, st = run.queue.get(timeout=0.2)
            except queue_mod.Empty:
                self._check_workers(run.procs, run.shm.arrays["progress"][:, STATUS], run.queue)
                continue
            if kind == "state" and g == gen:
                states[wid] = st
            elif kind == "error":
                self.worker_errors[wid] = st
        return [states[k] for k in range(len(run.procs))]

    def _checkpoint(self, run):
        """Pause, save the matrices and the position (the next chunk: the same for any worker count), go on."""
        t0 = time.perf_counter()
        a = run.shm.arrays
        states = self._collect_states(run)
        self.step += 1
        state = {"config": self.cfg.to_dict(), "vocab_sha256": self.data.vocab_sha256,
                 "train_tokens": run.train_tokens, "n_chunks": run.n_chunks,
                 "next_chunk": int(a["ctrl"][NEXT_CHUNK]), "words_done": int(a["progress"][:, WORDS].sum()),
                 "workers": len(run.procs), "worker_states": states, "step": self.step, "time": time.time()}
        path = ckpt.save(self.ckpt_dir, self.step, a["w_in"], a["w_out"], state, self.keep)
        a["ctrl"][COMMAND] = RUN
        return path, time.perf_counter() - t0

    def _report(self, run, words, recent_loss, val_loss, force=False):
        a = run.shm.arrays
        run.progress.update(words, learning_rate(self.cfg, words, run.total_words), recent_loss, val_loss,
                            _tree_rss(), force=force, per_worker=a["progress"][:, WORDS].tolist())

    def _loop(self, run):
        """Poll the workers: report once a second, checkpoint when due, stop on a signal, finish when all are done."""
        a = run.shm.arrays
        cfg = self.cfg
        t_start = time.time()
        last_ckpt = time.time()
        last_report = 0.0
        epochs_seen = run.words_at_start // run.train_tokens
        last_loss = a["losses"].sum(axis=0).copy()
        recent_loss, val_loss, val_history, pauses = None, None, [], []
        if run.val_batches is not None:    # the starting point, so that every later value has a reference
            val_loss = mean_loss(a["w_in"], a["w_out"], run.val_batches)
            val_history.append({"epoch": run.words_at_start / run.train_tokens, "val_loss": val_loss})
        ckpt_path = None
        while True:
            time.sleep(0.05)
            self._drain(run.queue)
            status = a["progress"][:, STATUS]
            self._check_workers(run.procs, status, run.queue)
            words = int(a["progress"][:, WORDS].sum())
            all_done = bool(np.all(status == DONE))
            now = time.time()
            if now - last_report >= 1.0 or all_done:
                last_report = now
                tot = a["losses"].sum(axis=0)
                dl = tot - last_loss
                if dl[1] > 0:
                    recent_loss = float(dl[0] / dl[1])
                    self._check_divergence(recent_loss)
                last_loss = tot.copy()
                self._report(run, words, recent_loss, val_loss)
            if self.stop_signal is not None:
                self._check_divergence(recent_loss, a)
                ckpt_path, dt = self._checkpoint(run)
                run.progress.message(f"checkpoint written to {ckpt_path} ({dt:.2f} s)")
                raise Interrupted(self.stop_signal, ckpt_path)
            epochs_now = min(words // run.train_tokens, cfg.epochs)
            due = now - last_ckpt >= self.checkpoint_every
            if epochs_now > epochs_seen or due or all_done:
                self._check_divergence(recent_loss, a)      # never checkpoint, nor save, a diverged model
                if epochs_now > epochs_seen and run.val_batches is not None:
                    val_loss = mean_loss(a["w_in"], a["w_out"], run.val_batches)
                    val_history.append({"epoch": int(epochs_now), "val_loss": val_loss})
                epochs_seen = epochs_now
                ckpt_path, dt = self._checkpoint(run)
                pauses.append(dt)
                last_ckpt = time.time()
            if all_done:
                break
        elapsed = time.time() - t_start
        tot = a["losses"].sum(axis=0)
        info = {"config": cfg.to_dict(), "data_dir": os.path.abspath(self.data.path),
                "vocab_sha256": self.data.vocab_sha256, "vocab_size": len(self.data.words),
                "train_tokens": run.train_tokens, "epochs_done": words / run.train_tokens, "words_done": words,
                "final_train_loss": recent_loss, "mean_train_loss_this_run": float(tot[0] / max(tot[1], 1)),
                "val_loss": val_history, "words_per_s": (words - run.words_at_start) / max(elapsed, 1e-9),
                "train_seconds": elapsed, "checkpoint": ckpt_path,
                "checkpoint_pause_s_max": max(pauses) if pauses else None,
                "worker_words": a["progress"][:, WORDS].tolist(),
                "resumed_from_step": run.resumed_state["step"] if run.resumed_state else None}
        self._report(run, words, recent_loss, val_loss, force=True)
        save_outputs(self.prefix, a["w_in"].copy(), a["w_out"].copy(), info)
        return info


def _start_resource_tracker_ignoring_sighup():
    """Python's resource tracker (which unlinks our segments if the coordinator is SIGKILLed) ignores SIGINT and
    SIGTERM but dies of SIGHUP, which a closed terminal sends to the whole group; an ignored disposition is
    inherited across exec, so start it while SIGHUP is ignored."""
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, old)


def _tree_rss():
    """Resident memory of this process and its children (shared pages count once per process)."""
    try:
        me = psutil.Process()
        return me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
    except psutil.Error:
        return None


def train(data_dir, prefix, cfg: TrainConfig, **kwargs):
    """Train SGNS vectors; see `Coordinator` for the options. Returns what `PREFIX_config.json` holds."""
    return Coordinator(data_dir, prefix, cfg, **kwargs).run()
