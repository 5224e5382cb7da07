"""Starting and stopping the worker processes; the resource tracker that outlives a closed terminal; their memory."""
from __future__ import annotations

import contextlib
import os
import signal
from multiprocessing import resource_tracker

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


def start_workers(ctx, n, data_path, cfg, bounds, rng_states, shm_spec, total_words, queue, lock, stride=1,
                  offset=0, lr_factor=1.0):
    procs = []
    with single_blas_thread():
        for k in range(n):
            spec = WorkerSpec(k, data_path, cfg.to_dict(), bounds, rng_states[k], shm_spec, total_words,
                              os.getpid(), stride, offset, lr_factor)
            p = ctx.Process(target=worker_main, args=(spec, queue, lock), name=f"hw2v-worker-{k}", daemon=True)
            p.start()
            procs.append(p)
    return procs


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
