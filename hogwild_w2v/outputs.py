"""The trained vectors on disk: PREFIX_center.npy, PREFIX_context.npy, PREFIX_combined.npy, PREFIX_config.json.

One spelling, `center`, in file names, code and docs (word2vec's `-cbow` / gensim's "center word" usage).
"""
from __future__ import annotations

import json
import os

import numpy as np

OUTPUTS = ("center", "context", "combined")


def run_identity(cfg, data):
    """What every PREFIX_config.json starts with: the settings, and which data (and vocabulary) they trained on."""
    return {"config": cfg.to_dict(), "data_dir": os.path.abspath(data.path), "vocab_sha256": data.vocab_sha256,
            "vocab_size": len(data.words)}


def output_paths(prefix):
    return [f"{prefix}_{name}.npy" for name in OUTPUTS] + [f"{prefix}_config.json"]


def outputs_exist(prefix):
    return all(os.path.exists(p) for p in output_paths(prefix))


def save_outputs(prefix, w_in, w_out, info):
    """Write every output atomically (a temporary file, then a rename), the config last."""
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    for name, arr in (("center", w_in), ("context", w_out), ("combined", None)):
        tmp = f"{prefix}_{name}.tmp.npy"
        np.save(tmp, arr if arr is not None else w_in + w_out)
        os.replace(tmp, f"{prefix}_{name}.npy")
    tmp = f"{prefix}_config.json.tmp"
    with open(tmp, "w") as fh:
        json.dump(info, fh, indent=1)
    os.replace(tmp, f"{prefix}_config.json")
