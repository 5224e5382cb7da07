"""Atomic, verified checkpoints: `ckpt-NNNNNN/` with one NAME.npy per matrix (w_in, and w_out and/or w_hs as the
model has them: models.py), state.json and a sha256 manifest of them all.

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
STATE = "state.json"
EXTRA = "sync_"          # arrays kept beside the model's matrices (distributed.RankSync.history_arrays), not matrices


def save(ckpt_dir, step, mats, state, keep=2):
    """Write checkpoint number `step` of the matrices `mats` (name -> array); keep the `keep` newest. Returns its
    path."""
    os.makedirs(ckpt_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=ckpt_dir)
    files = [f"{name}.npy" for name in mats] + [STATE]
    try:
        for name, mat in mats.items():
            np.save(os.path.join(tmp, f"{name}.npy"), mat)
        with open(os.path.join(tmp, STATE), "w") as fh:
            json.dump(state, fh)
        manifest = {name: sha256_file(os.path.join(tmp, name)) for name in files}
        with open(os.path.join(tmp, "manifest.json"), "w") as fh:
            json.dump(manifest, fh)
        for name in (*files, "manifest.json"):
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
    """None if the checkpoint at `path` is complete and intact (every file its manifest names, w_in.npy and
    state.json among them), else a reason."""
    try:
        with open(os.path.join(path, "manifest.json")) as fh:
            manifest = json.load(fh)
    except (OSError, json.JSONDecodeError):
        return "manifest missing or unreadable"
    if not isinstance(manifest, dict):
        return "manifest unreadable"
    for name in sorted(set(manifest) | {"w_in.npy", STATE}):
        file = os.path.join(path, name)
        if not os.path.isfile(file):
            return f"{name} missing"
        if sha256_file(file) != manifest.get(name):
            return f"{name} does not match its checksum"
    return None


def load_latest(ckpt_dir, warn=lambda msg: None):
    """(path, matrices (name -> array), state) of the newest intact checkpoint, or None if there is none. Arrays
    named EXTRA... are not matrices: they are in state["extra_arrays"]."""
    for path in reversed(list_checkpoints(ckpt_dir)):
        reason = verify(path)
        if reason:
            warn(f"skipping damaged checkpoint {path}: {reason}")
            continue
        with open(os.path.join(path, STATE)) as fh:
            state = json.load(fh)
        with open(os.path.join(path, "manifest.json")) as fh:
            names = [n[:-len(".npy")] for n in json.load(fh) if n.endswith(".npy")]
        arrays = {name: np.load(os.path.join(path, f"{name}.npy")) for name in names}
        extra = {name: arrays.pop(name) for name in list(arrays) if name.startswith(EXTRA)}
        if extra:
            state["extra_arrays"] = extra
        return path, arrays, state
    return None
