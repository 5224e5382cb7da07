"""Named shared-memory arrays: the coordinator creates and unlinks them, workers attach by name.

Segments are named `hw2v_<pid>_<token>_<array>` so a leftover is recognisable in /dev/shm. Python's resource
tracker (one per run, shared by the workers it spawns) unlinks them if the coordinator is killed outright.
"""
from __future__ import annotations

import os
import secrets
import shutil
from multiprocessing import shared_memory

import numpy as np

from .errors import HW2VError

SHM_DIR = "/dev/shm"


def check_room(nbytes, where=SHM_DIR):
    """A one-line error unless `where` (the tmpfs behind shared memory, 64 MB by default in Docker) has room for
    `nbytes`: a segment it cannot hold fails at first touch with SIGBUS, with no message at all."""
    if not os.path.isdir(where):
        return
    free = shutil.disk_usage(where).free
    if free < nbytes:
        need = -(-nbytes // 2 ** 20)
        raise HW2VError(f"shared memory: the model needs {need:,} MiB but {where} has {free // 2 ** 20:,} MiB free; "
                        f"free some, or give the container more (docker run --shm-size={need + 64}m)")


class SharedArrays:
    """A set of shared arrays owned by this process; `close()` unlinks every one, whatever happened."""

    def __init__(self, specs: dict):
        token = secrets.token_hex(3)
        self.segments, self.arrays, self.spec = [], {}, {}
        sizes = {key: max(1, int(np.prod(shape)) * np.dtype(dtype).itemsize) for key, (shape, dtype) in specs.items()}
        check_room(sum(sizes.values()))
        try:
            for key, (shape, dtype) in specs.items():
                seg = shared_memory.SharedMemory(name=f"hw2v_{os.getpid()}_{token}_{key}", create=True,
                                                 size=sizes[key])
                self.segments.append(seg)
                arr = np.ndarray(shape, dtype=dtype, buffer=seg.buf)
                arr.fill(0)
                self.arrays[key] = arr
                self.spec[key] = (seg.name, tuple(shape), np.dtype(dtype).str)
        except BaseException:
            self.close()
            raise

    def close(self):
        self.arrays.clear()
        for seg in self.segments:
            try:
                seg.close()
            except BufferError:      # a view is still alive somewhere; unlinking is what matters
                pass
            try:
                seg.unlink()
            except FileNotFoundError:
                pass
        self.segments = []


def attach(spec: dict):
    """Attach to segments made by `SharedArrays`; returns (segments, {key: array})."""
    segments, arrays = [], {}
    for key, (name, shape, dtype) in spec.items():
        seg = shared_memory.SharedMemory(name=name)
        segments.append(seg)
        arrays[key] = np.ndarray(shape, dtype=dtype, buffer=seg.buf)
    return segments, arrays
