"""Is the run healthy: divergence (judged by size, not only finiteness) and workers that died."""
from __future__ import annotations

import signal

import numpy as np

from .errors import HW2VError


class WorkerDied(HW2VError):
    pass


class WorkerStalled(HW2VError):
    pass


# A batch takes milliseconds (~1 ms at the defaults, well under a second even at dim 300 over a million words), so
# a worker that has not moved for minutes is stopped (kill -STOP), stuck in I/O (a hung network file system) or
# starved; 300 s leaves a busy or swapping machine time to recover before a long unattended run is ended.
STALL_TIMEOUT = 300.0


class StallWatch:
    """When each worker's word count last moved; a worker that is not done and has not moved for `timeout`
    seconds has stalled. `restart()` after a pause, during which nobody moves."""

    def __init__(self, n_workers, timeout, now):
        self.timeout = timeout
        self.words = None
        self.since = np.full(n_workers, now)

    def restart(self, now):
        self.since[:] = now

    def check(self, words, status, done, procs, now):
        """WorkerStalled for the first stalled worker, else None."""
        words = np.asarray(words).copy()
        if self.words is not None:
            self.since[words != self.words] = now
        self.words = words
        for k, p in enumerate(procs):
            if status[k] != done and now - self.since[k] > self.timeout:
                return stalled_error(k, p.pid, f"made no progress for {now - self.since[k]:.0f} s")
        return None


def stalled_error(k, pid, what):
    return WorkerStalled(f"worker {k} (pid {pid}) {what} (--stall-timeout); the run is stopped and the last "
                         f"checkpoint is intact: continue with --resume")


class Diverged(HW2VError):
    pass


# A fresh model scores 0 everywhere, so its loss per prediction is log 2 per sigmoid ((1 + negative) of them for
# negative sampling, a Huffman path for hierarchical softmax: models.start_loss); training lowers it.
# A loss this many times above that start, or a vector longer than MAX_NORM (healthy vectors stay below ~10:
# beyond |s| ~ 30 the sigmoid is flat in float32), means the run has diverged, finite or not.
DIVERGED_LOSS_FACTOR = 3.0
MAX_NORM = 1e3
MATRIX_NAMES = {"w_in": "input", "w_out": "output", "w_hs": "inner-node"}


def divergence(start, loss, mats=None):
    """A one-line reason if the run has diverged, else None. `start`: a fresh model's loss per prediction;
    `mats`: name -> matrix, checked in row chunks."""
    if loss is not None and not np.isfinite(loss):
        return "the loss is not finite"
    if loss is not None and loss > DIVERGED_LOSS_FACTOR * start:
        return f"the loss per pair is {loss:.3g}, above {DIVERGED_LOSS_FACTOR:g}x its starting value {start:.3g}"
    for key, mat in (mats or {}).items():
        name = MATRIX_NAMES.get(key, key)
        for lo in range(0, len(mat), 65536):
            block = mat[lo:lo + 65536]
            norm_sq = np.einsum("ij,ij->i", block, block)
            if not np.all(norm_sq <= MAX_NORM ** 2):        # also catches NaN
                article = "an" if name[0] in "aeiou" else "a"
                if not np.all(np.isfinite(norm_sq)):
                    return f"{article} {name} vector is not finite"
                return f"{article} {name} vector's length is {np.sqrt(norm_sq.max()):.3g}, above {MAX_NORM:g}"
    return None


def worker_failure(procs, status, errors, done):
    """A one-line WorkerDied for the first worker that exited before finishing, else None.

    `status[k] == done` marks a worker that finished; `errors` maps worker number -> the error it reported."""
    for k, p in enumerate(procs):
        if p.exitcode is not None and status[k] != done:
            if k in errors:
                how = f"failed: {errors[k]}"
            elif p.exitcode < 0:
                how = f"was killed by {signal.Signals(-p.exitcode).name}"
            else:
                how = f"exited with code {p.exitcode}"
            return WorkerDied(f"worker {k} (pid {p.pid}) {how}; the last checkpoint is intact, continue with --resume")
    return None
