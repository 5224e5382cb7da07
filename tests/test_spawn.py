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


def test_a_worker_dying_before_it_starts_ends_the_run_rather_than_hanging_it(tmp_path_factory, tmp_path):
    """CPython's spawn writes what a worker is sent down a pipe while still holding its read end: if the worker
    dies before reading more than the pipe holds (64 KB), the write never returns. The chunk table, sent to every
    worker until 2026-11-27, passed 64 KB at 8,192 chunks; a script that calls train() without the `__main__`
    guard (its workers re-run it and die) then hung for ever, ignoring SIGTERM. Here with 9,000+ chunks: one
    line saying the worker died, exit 1, no segment left."""
    import os
    import subprocess
    import sys
    from conftest import planted_text, preprocessed_dir
    data = preprocessed_dir(tmp_path_factory, "many_chunks", planted_text(n_sentences=60_000, seed=7))
    script = tmp_path / "no_guard.py"
    script.write_text("from hogwild_w2v.config import TrainConfig\nfrom hogwild_w2v.trainer import train\n"
                      f"train({data!r}, {str(tmp_path / 'v')!r}, TrainConfig(epochs=1, batch_words=64, "
                      "chunk_batches=1), quiet=True)\n")
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 1 and "exited with code 1" in r.stderr
    after = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    assert not [n for n in after - before if n.startswith("hw2v_")]
