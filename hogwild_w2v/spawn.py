"""Starting and stopping the worker processes; how they talk to the coordinator; the resource tracker that outlives
a closed terminal; their memory.

The workers' lock and message channels are pipes, not `multiprocessing.Lock` / `Queue`: under the spawn start
method those are named POSIX semaphores (`/dev/shm/sem.mp-*`, four a run), which only the resource tracker
unlinks when the coordinator dies, so a SIGKILL of the whole process group (a batch system's job kill, `kill -9
-PGID`) left them behind. A pipe has no name: the kernel frees it with the last process that holds it."""
from __future__ import annotations

import contextlib
import os
import queue as queue_mod
import signal
import time
from multiprocessing import connection, resource_tracker

import psutil

from .worker import COMMAND, STOP, WorkerSpec, worker_main

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def single_blas_thread():
    """Children started inside see one BLAS thread each (Hogwild's parallelism is the processes); the parent's
    environment is restored afterwards."""
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARS}
    os.environ.update({k: "1" for k in BLAS_THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class PipeLock:
    """A lock shared by processes, with no name: one token byte in a pipe (make's jobserver). `acquire` reads the
    byte (a 1-byte read is atomic: one process gets it, the others block), `release` writes it back. Picklable to
    spawned children, like the `Connection`s it holds."""

    def __init__(self, ctx):
        self._r, self._w = ctx.Pipe(duplex=False)
        os.write(self._w.fileno(), b"\0")

    def acquire(self):
        if not os.read(self._r.fileno(), 1):
            raise EOFError("the lock's pipe was closed")

    def release(self):
        os.write(self._w.fileno(), b"\0")

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()

    def close(self):
        self._r.close()
        self._w.close()


class Outbox:
    """A worker's end of its channel to the coordinator (the write end of a pipe of its own)."""

    def __init__(self, conn):
        self._conn = conn

    def put(self, message):
        self._conn.send(message)

    def close(self):
        self._conn.close()


class Inbox:
    """The coordinator's end of every worker's channel, read like a `queue.Queue`: `get(timeout)` and
    `get_nowait()` return one message or raise `queue.Empty`. A channel whose worker is gone is dropped (its exit
    is `health.worker_failure`'s to report)."""

    def __init__(self, conns):
        self._conns = list(conns)

    def get(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._conns:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            for conn in connection.wait(self._conns, left):
                try:
                    return conn.recv()
                except (EOFError, OSError):
                    self._conns.remove(conn)
                    conn.close()
            if deadline is not None and time.monotonic() >= deadline:
                break
        if deadline is not None and not self._conns:
            time.sleep(max(0.0, deadline - time.monotonic()))    # as a queue nobody writes to any more
        raise queue_mod.Empty

    def get_nowait(self):
        return self.get(0)

    def close(self):
        for conn in self._conns:
            conn.close()
        self._conns = []


def start_workers(ctx, n, data_path, cfg, train_sents, rng_states, shm_spec, total_words, lock, stride=1,
                  offset=0, lr_factor=1.0):
    """Start `n` workers; returns (processes, the Inbox of their messages).

    What a worker is sent stays small whatever the corpus (no chunk table: the worker cuts the corpus itself).
    CPython's spawn writes it down a pipe while still holding the pipe's read end, so a worker that dies before
    reading more than the pipe holds (64 KB; an import error, a script without the `__main__` guard) would leave
    the coordinator blocked in that write for ever."""
    procs, readers = [], []
    with single_blas_thread():
        for k in range(n):
            spec = WorkerSpec(k, data_path, cfg.to_dict(), train_sents, rng_states[k], shm_spec, total_words,
                              os.getpid(), stride, offset, lr_factor)
            reader, writer = ctx.Pipe(duplex=False)
            p = ctx.Process(target=worker_main, args=(spec, Outbox(writer), lock), name=f"hw2v-worker-{k}",
                            daemon=True)
            try:
                p.start()
            finally:
                writer.close()             # the worker holds its own copy: its exit is EOF here
            procs.append(p)
            readers.append(reader)
    return procs, Inbox(readers)


def stop_workers(procs, ctrl):
    """STOP, a moment to obey it, then SIGKILL for any worker that did not."""
    if ctrl is not None:
        ctrl[COMMAND] = STOP
    for p in procs:
        p.join(timeout=2)
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join(timeout=2)


def start_resource_tracker_ignoring_sighup():
    """Python's resource tracker (which unlinks our segments if the coordinator is SIGKILLed) ignores SIGINT and
    SIGTERM but dies of SIGHUP, which a closed terminal sends to the whole group; an ignored disposition is
    inherited across exec, so start it while SIGHUP is ignored."""
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, old)


def tree_rss():
    """Resident memory of this process and its children (shared pages count once per process)."""
    try:
        me = psutil.Process()
        return me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
    except psutil.Error:
        return None
