"""The trained vectors on disk: PREFIX_center.npy, and as the model has them PREFIX_context.npy, PREFIX_combined.npy
(negative sampling) and PREFIX_hs.npy (hierarchical softmax), then PREFIX_config.json.

    PREFIX_center.npy     w_in (V, d): the word vectors every model trains (word2vec.c's syn0)
    PREFIX_context.npy    w_out (V, d): negative sampling's output vectors (syn1neg)
    PREFIX_combined.npy   center + context
    PREFIX_hs.npy         w_hs (V - 1, d): the Huffman tree's inner nodes (syn1), rows by node, not by word

One spelling, `center`, in file names, code and docs (word2vec's `-cbow` / gensim's "center word" usage).
"""
from __future__ import annotations

import json
import os

import numpy as np

from .fileutil import fsync_path

# output name -> the matrices it is made of
OUTPUTS = {"center": ("w_in",), "context": ("w_out",), "combined": ("w_in", "w_out"), "hs": ("w_hs",)}


def run_identity(cfg, data):
    """What every PREFIX_config.json starts with: the settings, and which data (and vocabulary) they trained on."""
    return {"config": cfg.to_dict(), "data_dir": os.path.abspath(data.path), "vocab_sha256": data.vocab_sha256,
            "vocab_size": len(data.words)}


def output_names(mats):
    """The outputs a run with these matrices (names, or a name -> array dict) writes."""
    return [name for name, parts in OUTPUTS.items() if all(p in mats for p in parts)]


def output_paths(prefix, mats):
    return [f"{prefix}_{name}.npy" for name in output_names(mats)] + [f"{prefix}_config.json"]


def outputs_exist(prefix, mats):
    return all(os.path.exists(p) for p in output_paths(prefix, mats))


ROW_BLOCK = 65536          # rows of `combined` summed and written at a time: 75 MiB at dim 300


def save_outputs(prefix, mats, info):
    """Write every output atomically (a temporary file, fsynced, then a rename), the config last, straight from
    `mats` (the shared matrices themselves: no copy of a matrix is made; `combined` is summed and written
    ROW_BLOCK rows at a time). An output this model does not have (an earlier run's PREFIX_context.npy under a
    --hs --negative 0 run) is removed first, so that the files of a prefix are always one run's. An OSError
    leaves no temporary file behind."""
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    for name in set(OUTPUTS) - set(output_names(mats)):
        if os.path.exists(f"{prefix}_{name}.npy"):
            os.remove(f"{prefix}_{name}.npy")
    for name in output_names(mats):
        _write_atomically(f"{prefix}_{name}.npy", lambda fh: _write_npy(fh, [mats[p] for p in OUTPUTS[name]]))
    _write_atomically(f"{prefix}_config.json", lambda fh: fh.write(json.dumps(info, indent=1).encode()))
    fsync_path(directory)


def _write_npy(fh, parts):
    """The .npy of the sum of `parts` (one array: itself), written in row blocks."""
    first = parts[0]
    np.lib.format.write_array_header_1_0(fh, {"descr": np.lib.format.dtype_to_descr(first.dtype),
                                              "fortran_order": False, "shape": first.shape})
    for lo in range(0, len(first), ROW_BLOCK):
        block = first[lo:lo + ROW_BLOCK]
        if len(parts) > 1:
            block = sum(p[lo:lo + ROW_BLOCK] for p in parts[1:]) + block
        fh.write(np.ascontiguousarray(block).data)


def _write_atomically(path, write):
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
