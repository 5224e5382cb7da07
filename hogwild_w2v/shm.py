"""Named shared-memory arrays: the coordinator creates and unlinks them, workers attach by name.

Segments are named `hw2v_<pid>_<token>_<array>` so a leftover is recognisable in /dev/shm. The names are removed
as soon as every worker has attached (`unlink_names`); before that, Python's resource tracker (one per run, shared
by the workers it spawns) unlinks them if the coordinator is killed outright.
"""
from __future__ import annotations

import os
import secrets
import shutil
from multiprocessing import shared_memory

import numpy as np
import psutil

from .errors import HW2VError

SHM_DIR = "/dev/shm"


def check_room(nbytes, where=SHM_DIR):
    """A one-line error unless `where` (the tmpfs behind shared memory, 64 MB by default in Docker) has room for
    `nbytes`, and the machine's available RAM for twice that (the segments live in RAM, and the coordinator holds
    a private copy of the matrices while it fills them, and again while it writes a checkpoint's snapshot): a
    segment that cannot be backed fails at first touch with SIGBUS, with no message at all, and a machine out of
    RAM kills a process without one."""
    need = -(-nbytes // 2 ** 20)
    if os.path.isdir(where):
        free = shutil.disk_usage(where).free
        if free < nbytes:
            raise HW2VError(f"shared memory: the model needs {need:,} MiB but {where} has {free // 2 ** 20:,} MiB "
                            f"free; free some, or give the container more (docker run --shm-size={need + 64}m)")
    available = psutil.virtual_memory().available
    if available < 2 * nbytes:
        raise HW2VError(f"memory: the model needs {2 * need:,} MiB of RAM (its {need:,} MiB in shared memory and a "
                        f"copy) but {available // 2 ** 20:,} MiB are available; use a smaller --dim, or preprocess "
                        f"with a smaller --max-vocab")


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

    def unlink_names(self):
        """Remove the segments' names once every process that needs them has attached: the memory stays mapped
        where it is, and goes back to the system when the last process using it exits, however it exits. After
        this no kill -9, of any process of the run, can leave a segment behind in /dev/shm (MPI, for one, kills a
        whole job's process groups with SIGKILL, resource tracker included)."""
        for seg in self.segments:
            try:
                seg.unlink()
            except FileNotFoundError:
                pass

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
