"""Small file helpers shared by preprocessing, data checks and checkpoints."""
from __future__ import annotations

import hashlib
import os


def file_digests(path, *algorithms, block=1 << 20):
    """Hex digests of a file for each hashlib algorithm named, in one read: {name: hexdigest}."""
    hashes = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def sha256_file(path):
    """Hex sha256 of a file, read in blocks."""
    return file_digests(path, "sha256")["sha256"]


def fsync_path(path):
    """fsync a file or a directory (a directory's fsync makes a rename inside it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
