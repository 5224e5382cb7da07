"""Atomic, verified checkpoints: `ckpt-NNNNNN/` with w_in.npy, w_out.npy, state.json and a sha256 manifest.

A checkpoint is written in a temporary folder, fsynced, then renamed into place, so a folder named `ckpt-*`
is complete. Loading checks every file against the manifest; a damaged checkpoint is skipped with a warning
and the previous one is used, never loaded silently.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np

from .fileutil import fsync_path, sha256_file

PREFIX = "ckpt-"
FILES = ("w_in.npy", "w_out.npy", "state.json")


def save(ckpt_dir, step, w_in, w_out, state, keep=2):
    """Write checkpoint number `step`; keep the `keep` newest. Returns its path."""
    os.makedirs(ckpt_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=ckpt_dir)
    try:
        np.save(os.path.join(tmp, "w_in.npy"), w_in)
        np.save(os.path.join(tmp, "w_out.npy"), w_out)
        with open(os.path.join(tmp, "state.json"), "w") as fh:
            json.dump(state, fh)
        manifest = {name: sha256_file(os.path.join(tmp, name)) for name in FILES}
        with open(os.path.join(tmp, "manifest.json"), "w") as fh:
            json.dump(manifest, fh)
        for name in (*FILES, "manifest.json"):
            fsync_path(os.path.join(tmp, name))
        final = os.path.join(ckpt_dir, f"{PREFIX}{step:06d}")
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_path(ckpt_dir)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    for old in list_checkpoints(ckpt_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(ckpt_dir):
    """Checkpoint folders, oldest first."""
    if not os.path.isdir(ckpt_dir):
        return []
    names = sorted(n for n in os.listdir(ckpt_dir) if n.startswith(PREFIX) and n[len(PREFIX):].isdigit())
    return [os.path.join(ckpt_dir, n) for n in names]


def verify(path):
    """None if the checkpoint at `path` is complete and intact, else a reason."""
    try:
        with open(os.path.join(path, "manifest.json")) as fh:
            manifest = json.load(fh)
    except (OSError, json.JSONDecodeError):
        return "manifest missing or unreadable"
    for name in FILES:
        file = os.path.join(path, name)
        if not os.path.isfile(file):
            return f"{name} missing"
        if sha256_file(file) != manifest.get(name):
            return f"{name} does not match its checksum"
    return None


def load_latest(ckpt_dir, warn=lambda msg: None):
    """(path, w_in, w_out, state) of the newest intact checkpoint, or None if there is none."""
    for path in reversed(list_checkpoints(ckpt_dir)):
        reason = verify(path)
        if reason:
            warn(f"skipping damaged checkpoint {path}: {reason}")
            continue
        with open(os.path.join(path, "state.json")) as fh:
            state = json.load(fh)
        return path, np.load(os.path.join(path, "w_in.npy")), np.load(os.path.join(path, "w_out.npy")), state
    return None
