"""The workers' lock and message channels (spawn.PipeLock, Inbox, Outbox): pipes that behave like the
multiprocessing Lock and Queue they replace, across spawned processes."""
import multiprocessing as mp
import queue
import time

import numpy as np
import pytest
from multiprocessing import shared_memory

from hogwild_w2v.spawn import Inbox, Outbox, PipeLock


def _add_under_lock(lock, shm_name, times, outbox):
    seg = shared_memory.SharedMemory(name=shm_name)
    try:
        counter = np.ndarray((1,), dtype=np.int64, buffer=seg.buf)
        for _ in range(times):
            with lock:                 # a read-modify-write that loses counts without the lock
                v = int(counter[0])
                time.sleep(0)
                counter[0] = v + 1
        outbox.put(("done", times))
        outbox.close()
        del counter
    finally:
        seg.close()


def test_pipe_lock_excludes_and_channels_deliver_across_processes():
    ctx = mp.get_context("spawn")
    lock = PipeLock(ctx)
    seg = shared_memory.SharedMemory(create=True, size=8)
    try:
        counter = np.ndarray((1,), dtype=np.int64, buffer=seg.buf)
        counter[0] = 0
        procs, readers = [], []
        for _ in range(3):
            r, w = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_add_under_lock, args=(lock, seg.name, 2000, Outbox(w)))
            p.start()
            w.close()
            procs.append(p)
            readers.append(r)
        inbox = Inbox(readers)
        got = [inbox.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert got == [("done", 2000)] * 3
        assert int(counter[0]) == 6000
        with pytest.raises(queue.Empty):          # every writer gone: their channels are dropped, nothing waits
            inbox.get(timeout=0.1)
        inbox.close()
        del counter
    finally:
        lock.close()
        seg.close()
        seg.unlink()


def test_inbox_waits_for_its_timeout_then_is_empty():
    ctx = mp.get_context("spawn")
    r, w = ctx.Pipe(duplex=False)
    inbox = Inbox([r])
    t = time.monotonic()
    with pytest.raises(queue.Empty):
        inbox.get(timeout=0.2)
    assert 0.15 < time.monotonic() - t < 2
    with pytest.raises(queue.Empty):
        inbox.get_nowait()
    Outbox(w).put(("state", 0, 1, {"rng": 7}))
    assert inbox.get_nowait() == ("state", 0, 1, {"rng": 7})
    w.close()
    inbox.close()
