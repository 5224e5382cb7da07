"""The coordinator: shared matrices, N Hogwild workers, progress, checkpoints, signals and the final vectors.

    coordinator                                   worker k (spawned process)
    -----------                                   --------------------------
    matrices, progress, losses, ctrl  ---shm-->  attach by name, memory-map corpus.bin / offsets.npy
    polls progress, prints, logs                   claims the next chunk (ctrl NEXT_CHUNK), one batch each
    PAUSE + generation  ------------------------>  at a batch boundary: send its random state, wait
    saves checkpoint (next_chunk), RUN  -------->  goes on
    STOP  -------------------------------------->  returns

Around it: where a run starts (resume.py), the validation slice (validation.py), divergence and dead workers
(health.py), processes (spawn.py), files (checkpoint.py, outputs.py). What stays here (~320 lines) is one
coordinator's state and its polling loop, which read best together.
"""
from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import signal
import sys
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from . import checkpoint as ckpt
from .batching import epoch_bounds
from .config import TrainConfig, learning_rate
from .data import open_data
from .errors import HW2VError, describe_os_error
from .health import STALL_TIMEOUT, Diverged, StallWatch, divergence, stalled_error, worker_failure
from .huffman import node_counts
from .models import MATRICES, start_loss, tree_for
from .outputs import output_paths, run_identity, save_outputs
from .progress import Progress
from .resume import adopt_checkpoint_settings, finished_run, rng_states, starting_point, words_done
from .shm import SharedArrays
from .spawn import PipeLock, start_resource_tracker_ignoring_sighup, start_workers, stop_workers, tree_rss
from .validation import mean_loss, plan_validation
from .worker import (CHUNK_LIMIT, COMMAND, CTRL_SLOTS, DONE, GENERATION, LR_SCALE, NEXT_CHUNK, PAUSE, RUN, STATUS,
                     WORDS, lr_words)

# Ctrl-C, kill, and a closed terminal: each finishes the batch, checkpoints and exits 128 + signal number
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """Training stopped on a signal after writing a checkpoint."""

    def __init__(self, signum, checkpoint):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum, self.checkpoint = signum, checkpoint


def default_checkpoint_dir(prefix):
    return prefix + "_checkpoints"


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


@dataclass
class _LoopState:
    """What the polling loop remembers between polls."""
    t_start: float
    last_ckpt: float
    epochs_seen: int
    last_loss: np.ndarray                 # (loss sum, pairs) at the last report
    last_report: float = 0.0
    recent_loss: float | None = None      # loss per pair of the batches measured since the last report
    val_loss: float | None = None
    val_history: list = field(default_factory=list)
    pauses: list = field(default_factory=list)
    ckpt_path: str | None = None


class Coordinator:
    """Runs one training job. `resume` continues from the newest intact checkpoint; `force` starts over,
    removing an earlier run's checkpoints; `flag_names` (config key -> command-line flag) words the errors."""

    def __init__(self, data_dir, prefix, cfg: TrainConfig, checkpoint_every=300.0, checkpoint_dir=None,
                 keep_checkpoints=2, resume=False, quiet=False, log_jsonl=None, stream=None, force=False,
                 flag_names=None, stall_timeout=STALL_TIMEOUT, sync=None):
        if resume and force:
            raise HW2VError("--resume and --force contradict each other: continue the run, or start over")
        if sync is not None and cfg.val:
            raise HW2VError("--val is not available with --distributed: each rank holds only its part of the corpus")
        if sync is not None and sync.mode.chunk_batches:     # the batch mode's unit of work: one kernel call
            cfg = replace(cfg, chunk_batches=sync.mode.chunk_batches)
        self.cfg = cfg.validate()
        self.sync = sync                   # distributed.RankSync across MPI ranks; None on one machine
        self.lead = sync is None or sync.rank == 0        # the rank that prints, logs, checkpoints and saves
        if not self.lead:
            quiet, log_jsonl = True, None
        self.prefix = prefix
        self.force, self.flag_names = force, flag_names
        self.data = open_data(data_dir, want_val=cfg.val)
        self.checkpoint_every = checkpoint_every
        self.stall_timeout = stall_timeout
        self.ckpt_dir = checkpoint_dir or default_checkpoint_dir(prefix)
        self.keep = keep_checkpoints
        self.resume = resume
        self.quiet, self.log_jsonl, self.stream = quiet, log_jsonl, stream
        self.tree = tree_for(cfg, self.data.counts)          # None unless --hs
        self.start_loss = start_loss(cfg, self.data.counts, self.tree)
        self.stop_signal = None
        self._snapshot = None              # checkpoint buffers (`_snapshot_of`)
        self.step = 0
        self.worker_errors = {}

    # ---- signals -------------------------------------------------------------------------------
    def _on_signal(self, signum, frame):
        if self.stop_signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt       # second Ctrl-C: abort now; `finally` still cleans up
        self.stop_signal = signum

    # ---- the run -------------------------------------------------------------------------------
    def run(self):
        cfg, data = self.cfg, self.data
        train_sents, val_batches = plan_validation(self.data, cfg)
        offsets = data.offsets
        train_tokens = int(offsets[train_sents])
        total_words = cfg.epochs * train_tokens
        start = lambda: starting_point(self.ckpt_dir, cfg, data, train_sents, self.resume, self.force,
                                       self.flag_names, warn=self._warn)
        if self.sync:
            self.sync.check_data(data)
            mats0, state = self.sync.agree_start(start)     # rank 0's starting point, on every rank
        else:
            mats0, state = start()
        if state:                # the corpus stays cut as the checkpoint's run cut it (its chunk numbers)
            cfg = self.cfg = adopt_checkpoint_settings(cfg, state)
        bounds = epoch_bounds(offsets, train_sents, cfg.chunk_words)
        total_chunks = cfg.epochs * (len(bounds) - 1)
        self.step = state["step"] if state else 0
        next_chunk = state["next_chunk"] if state else 0
        if next_chunk >= total_chunks:
            return finished_run(self.prefix, cfg, data, mats0, state, write=self.lead)
        n = cfg.workers
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            start_resource_tracker_ignoring_sighup()
        shm = SharedArrays({**{name: (m.shape, np.float32) for name, m in mats0.items()},
                            "progress": ((n, 2), np.int64), "losses": ((n, 2), np.float64),
                            "ctrl": ((CTRL_SLOTS,), np.int64)})
        ctx = mp.get_context("spawn")
        lock, queue = PipeLock(ctx), None
        procs, old_handlers, progress = [], {}, None
        try:                               # from here on every way out unlinks the shared memory
            a = shm.arrays
            for name, m in mats0.items():
                a[name][:] = m
            del mats0, m
            if self.lead:
                self._snapshot_of(a)       # the checkpoint buffers' pages are touched now, not in a pause
            words_at_start = words_done(next_chunk, bounds, offsets, train_tokens)
            ctrl = a["ctrl"]
            ctrl[LR_SCALE] = 1
            if self.sync:                  # this rank's chunks; words counted from 0, lr on the global count
                ctrl[NEXT_CHUNK], _ = self.sync.plan(bounds, offsets[:train_sents + 1], cfg.epochs, next_chunk,
                                                     cfg.chunk_words, ctrl, words_at_start, data.counts,
                                                     node_counts(self.tree, data.counts) if self.tree else None,
                                                     workers=n)
                chunk_mean = train_tokens / max(len(bounds) - 1, 1)
                if self.lead and self.sync.sync_words is None and chunk_mean > 2 * cfg.chunk_words:
                    self._warn(f"--sync-mode batch syncs after every worker's chunk of whole lines, and this corpus's "
                               f"long lines make a chunk {chunk_mean:,.0f} tokens on average, not a batch's "
                               f"{cfg.chunk_words}: the frequent rows are summed over that many words, which is what "
                               f"the mode avoids. Cut the lines shorter (preprocess), or use --sync-mode periodic.")
            else:
                ctrl[NEXT_CHUNK], ctrl[CHUNK_LIMIT] = next_chunk, total_chunks
                a["progress"][0, WORDS] = words_at_start
            progress = Progress(total_words, cfg.epochs, self.quiet, self.log_jsonl, self.stream)
            if main_thread:
                for sig in STOP_SIGNALS:
                    old_handlers[sig] = signal.signal(sig, self._on_signal)
            stride, offset, lr_factor = ((self.sync.size, self.sync.rank, self.sync.lr_factor) if self.sync
                                         else (1, 0, 1.0))
            procs, queue = start_workers(ctx, n, data.path, cfg, train_sents, rng_states(state, n, offset),
                                         shm.spec, total_words, lock, stride, offset, lr_factor)
            run = _Run(shm, procs, queue, progress, len(bounds) - 1, total_words, train_tokens, val_batches,
                       words_at_start, state)
            return self._loop(run)
        finally:
            stop_workers(procs, shm.arrays.get("ctrl"))
            shm.close()                    # first: nothing below may stop the segments being unlinked
            if queue is not None:
                queue.close()
            lock.close()
            if progress is not None:
                progress.close()
            for sig, handler in old_handlers.items():
                signal.signal(sig, handler)

    def _warn(self, msg):
        (self.stream or sys.stderr).write(f"Warning: {msg}\n")

    def _matrices(self, arrays):
        """The model's matrices among the shared arrays."""
        return {name: arrays[name] for name in MATRICES if name in arrays}

    def _check_divergence(self, loss, arrays=None):
        why = divergence(self.start_loss, loss, self._matrices(arrays) if arrays is not None else None)
        if why:
            raise Diverged(f"training diverged: {why}. The last checkpoint is kept; lower --lr to continue.")

    def _check_workers(self, procs, status, queue):
        if any(p.exitcode is not None and status[k] != DONE for k, p in enumerate(procs)):
            self._drain(queue)               # a dead worker's last message was sent before it exited
            failure = worker_failure(procs, status, self.worker_errors, DONE)
            if failure is not None:
                raise failure

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
        asked = time.time()
        while len(states) < len(run.procs):
            try:
                kind, wid, g, st = run.queue.get(timeout=0.2)
            except queue_mod.Empty:
                self._check_workers(run.procs, run.shm.arrays["progress"][:, STATUS], run.queue)
                if time.time() - asked > self.stall_timeout:     # never wait on a barrier for ever
                    k = min(set(range(len(run.procs))) - set(states))
                    raise stalled_error(k, run.procs[k].pid, f"did not pause within {self.stall_timeout:g} s")
                continue
            if kind == "state" and g == gen:
                states[wid] = st
            elif kind == "error":
                self.worker_errors[wid] = st
        return [states[k] for k in range(len(run.procs))]

    def _checkpoint(self, run):
        """Pause, snapshot the matrices and the position (the next chunk: the same for any worker count), let the
        workers go on, then write the snapshot. Returns (path or None, seconds paused, seconds in all): the
        workers wait only for the copy, not for hashing and writing (the copy is RAM the room check counted).
        Across machines it is called at a full sync only; rank 0 writes every rank's worker states."""
        t0 = time.perf_counter()
        a = run.shm.arrays
        states = self._collect_states(run)
        if self.sync:
            every_rank = self.sync.gather(states)
            if not self.lead:
                a["ctrl"][COMMAND] = RUN
                return None, time.perf_counter() - t0, time.perf_counter() - t0
            position = {"next_chunk": self.sync.point, "words_done": self._words(a), "ranks": self.sync.size,
                        "rank_worker_states": every_rank}
        else:
            position = {"next_chunk": int(a["ctrl"][NEXT_CHUNK]), "words_done": self._words(a)}
        snapshot = self._snapshot_of(a)
        state = {"config": self.cfg.to_dict(), "vocab_sha256": self.data.vocab_sha256,
                 "train_tokens": run.train_tokens, "n_chunks": run.n_chunks, **position,
                 "workers": len(run.procs), "worker_states": states, "step": self.step + 1, "time": time.time()}
        a["ctrl"][COMMAND] = RUN
        paused = time.perf_counter() - t0
        try:
            extra = self.sync.history_arrays() if self.sync else {}    # the settled rows' history, across machines
            path = ckpt.save(self.ckpt_dir, self.step + 1, {**snapshot, **extra}, state, self.keep)
            self.step += 1
        except OSError as exc:             # a full disk, a read-only folder: the previous checkpoint stays valid
            run.progress.warning(f"checkpoint not written ({describe_os_error(exc)}); the previous one stays "
                                 f"valid, training goes on and the next checkpoint tries again")
            path = None
        return path, paused, time.perf_counter() - t0

    def _snapshot_of(self, arrays):
        """Copies of the matrices into buffers kept for the whole run (made and touched before the workers
        start): a fresh allocation page-faults on every page while the workers wait (pauses of 5.7 s for 1M
        words x dim 300), a reused buffer is a plain memcpy."""
        mats = self._matrices(arrays)
        if self._snapshot is None:
            self._snapshot = {name: np.empty_like(m) for name, m in mats.items()}
        for name, m in mats.items():
            np.copyto(self._snapshot[name], m)
        return self._snapshot

    def _words(self, arrays):
        """Words done in the whole run: this machine's progress; across machines, the global count at the last
        sync plus the ranks' estimated words since (worker.lr_words, as the workers' learning rate)."""
        return lr_words(arrays["ctrl"], arrays["progress"])

    def _report(self, run, words, recent_loss, val_loss, force=False):
        a = run.shm.arrays
        run.progress.update(words, learning_rate(self.cfg, words, run.total_words), recent_loss, val_loss,
                            tree_rss(), force=force, per_worker=a["progress"][:, WORDS].tolist())

    def _loop(self, run):
        """Poll the workers: report once a second, checkpoint when due, stop on a signal, finish when all are done."""
        a = run.shm.arrays
        st = _LoopState(t_start=time.time(), last_ckpt=time.time(),
                        epochs_seen=run.words_at_start // run.train_tokens,
                        last_loss=a["losses"].sum(axis=0).copy())
        if run.val_batches is not None:    # the starting point, so that every later value has a reference
            st.val_loss = mean_loss(self.cfg, self._matrices(a), run.val_batches, self.tree)
            st.val_history.append({"epoch": run.words_at_start / run.train_tokens, "val_loss": st.val_loss})
        watch = StallWatch(len(run.procs), self.stall_timeout, time.time())
        named = True
        while True:
            time.sleep(self._poll_interval(a))
            self._drain(run.queue)
            status = a["progress"][:, STATUS]
            self._check_workers(run.procs, status, run.queue)
            if named and np.all(status != 0):     # every worker has attached: no kill can leak a segment now
                run.shm.unlink_names()
                named = False
            if self.sync:
                synced = self._sync_if_reached(run, st)
                if synced == "end":
                    return self._finish(run, st, self._words(a))
                if synced:                 # its workers waited on the other ranks: not a stall
                    watch.restart(time.time())
            words = self._words(a)
            all_done = bool(np.all(status == DONE)) and not self.sync
            now = time.time()
            stalled = watch.check(a["progress"][:, WORDS], status, DONE, run.procs, now)
            if stalled is not None:
                raise stalled
            if now - st.last_report >= 1.0 or all_done:
                self._report_progress(run, st, words, now)
            if self.stop_signal is not None and not self.sync:    # across machines: at the next sync point
                self._check_divergence(st.recent_loss, a)
                path, _, dt = self._checkpoint(run)
                if path is not None:
                    run.progress.message(f"checkpoint written to {path} ({dt:.2f} s)")
                raise Interrupted(self.stop_signal, path)
            if not self.sync and self._checkpoint_if_due(run, st, words, now, all_done):
                watch.restart(time.time())
            if all_done:
                return self._finish(run, st, words)

    def _report_progress(self, run, st, words, now):
        """The progress line, and the divergence check on the loss of the batches measured since the last one."""
        st.last_report = now
        tot = run.shm.arrays["losses"].sum(axis=0)
        dl = tot - st.last_loss
        if dl[1] > 0:
            st.recent_loss = float(dl[0] / dl[1])
            self._check_divergence(st.recent_loss)
        st.last_loss = tot.copy()
        self._report(run, words, st.recent_loss, st.val_loss)

    def _checkpoint_if_due(self, run, st, words, now, all_done):
        """At each epoch's end (with the validation loss), every --checkpoint-every seconds, and at the end."""
        a = run.shm.arrays
        epochs_now = min(words // run.train_tokens, self.cfg.epochs)
        if not (epochs_now > st.epochs_seen or now - st.last_ckpt >= self.checkpoint_every or all_done):
            return False
        self._check_divergence(st.recent_loss, a)      # never checkpoint, nor save, a diverged model
        if epochs_now > st.epochs_seen and run.val_batches is not None:
            st.val_loss = mean_loss(self.cfg, self._matrices(a), run.val_batches, self.tree)
            st.val_history.append({"epoch": int(epochs_now), "val_loss": st.val_loss})
        st.epochs_seen = epochs_now
        path, paused, _ = self._checkpoint(run)
        st.ckpt_path = path or st.ckpt_path
        st.pauses.append(paused)
        st.last_ckpt = time.time()
        return True

    def _poll_interval(self, arrays):
        """Seconds until the loop looks again: 50 ms, except across machines when this rank's workers are a few
        chunks from the sync point, where they wait until the loop sees it (2 ms); either less when a period is
        short (RankSync.poll_interval: the batch mode's is a batch)."""
        if self.sync is None:
            return 0.05
        left = self.sync.target - int(arrays["progress"][:, WORDS].sum())
        return self.sync.poll_interval(0.002 if left <= 2 * self.cfg.workers * self.cfg.chunk_words else 0.05)

    def _sync_if_reached(self, run, st):
        """Across machines, once this rank has trained every chunk before the sync point: combine the ranks' moves
        (distributed.RankSync.sync), checkpoint when due, stop when any rank was signalled. Returns "end" at
        the run's end (after its full sync and checkpoint), "synced" after any other sync, None before the point."""
        a, sync = run.shm.arrays, self.sync
        sync.poll()
        local = int(a["progress"][:, WORDS].sum())
        if not sync.reached(local):
            return None
        due = time.time() - st.last_ckpt >= self.checkpoint_every
        stop, ckpt_now = sync.sync(self._matrices(a), a["ctrl"], local, self.stop_signal, due)
        final = sync.point >= sync.total
        if stop or ckpt_now or final or sync.point % run.n_chunks == 0:
            self._check_divergence(st.recent_loss, a)      # never checkpoint, nor save, a diverged model
            path, paused, _ = self._checkpoint(run)
            st.ckpt_path = path or st.ckpt_path
            st.pauses.append(paused)
            st.last_ckpt = time.time()
        if stop:
            raise Interrupted(stop, st.ckpt_path)
        if final:
            return "end"
        sync.advance(a["ctrl"])
        return "synced"

    def _finish(self, run, st, words):
        """The last progress line, the outputs, and what `PREFIX_config.json` records."""
        a = run.shm.arrays
        elapsed = time.time() - st.t_start
        tot = a["losses"].sum(axis=0)
        info = {**run_identity(self.cfg, self.data), "train_tokens": run.train_tokens, "epochs_done": words / run.train_tokens, "words_done": words,
                "final_train_loss": st.recent_loss, "mean_train_loss_this_run": float(tot[0] / max(tot[1], 1)),
                "val_loss": st.val_history, "words_per_s": (words - run.words_at_start) / max(elapsed, 1e-9),
                "train_seconds": elapsed, "checkpoint": st.ckpt_path,
                "checkpoint_pause_s_max": max(st.pauses) if st.pauses else None,
                "worker_words": a["progress"][:, WORDS].tolist(),
                "resumed_from_step": run.resumed_state["step"] if run.resumed_state else None,
                "outputs": output_paths(self.prefix, self._matrices(a))}
        if self.sync:
            info.update(self.sync.summary(self._matrices(a)))
        self._report(run, words, st.recent_loss, st.val_loss, force=True)
        if not self.lead:
            return info
        try:                               # straight from shared memory: the workers are done, nothing moves
            save_outputs(self.prefix, self._matrices(a), info)
        except OSError as exc:
            kept = f"the last checkpoint ({st.ckpt_path}) is kept" if st.ckpt_path else "no checkpoint could be written"
            raise HW2VError(f"the outputs could not be written ({describe_os_error(exc)}); {kept}: "
                            f"the same command with --resume writes them") from None
        return info


def train(data_dir, prefix, cfg: TrainConfig, **kwargs):
    """Train SGNS vectors; see `Coordinator` for the options. Returns what `PREFIX_config.json` holds."""
    return Coordinator(data_dir, prefix, cfg, **kwargs).run()
