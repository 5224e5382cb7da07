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


def save_outputs(prefix, mats, info):
    """Write every output atomically (a temporary file, then a rename), the config last. An output this model
    does not have (an earlier run's PREFIX_context.npy under a --hs --negative 0 run) is removed first, so that
    the files of a prefix are always one run's."""
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    for name in set(OUTPUTS) - set(output_names(mats)):
        if os.path.exists(f"{prefix}_{name}.npy"):
            os.remove(f"{prefix}_{name}.npy")
    for name in output_names(mats):
        parts = OUTPUTS[name]
        tmp = f"{prefix}_{name}.tmp.npy"
        np.save(tmp, mats[parts[0]] if len(parts) == 1 else sum(mats[p] for p in parts))
        os.replace(tmp, f"{prefix}_{name}.npy")
    tmp = f"{prefix}_config.json.tmp"
    with open(tmp, "w") as fh:
        json.dump(info, fh, indent=1)
    os.replace(tmp, f"{prefix}_config.json")
