"""A preprocessed data directory, opened memory-mapped and checked."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .errors import HW2VError
from .fileutil import sha256_file


@dataclass
class CorpusData:
    path: str
    words: list
    counts: np.ndarray        # (V,) int64
    corpus: np.ndarray        # (T,) int32 memmap of word ids
    offsets: np.ndarray       # (S+1,) int64 sentence starts, offsets[-1] == T
    vocab_sha256: str
    val_corpus: np.ndarray | None = None
    val_offsets: np.ndarray | None = None

    @property
    def tokens(self) -> int:
        return int(self.offsets[-1])


def _open_pair(data_dir, corpus_name, offsets_name, vocab_size):
    cpath, opath = os.path.join(data_dir, corpus_name), os.path.join(data_dir, offsets_name)
    for p in (cpath, opath):
        if not os.path.isfile(p):
            raise HW2VError(f"data dir '{data_dir}' has no {os.path.basename(p)}; run `hw2v preprocess` first")
    size = os.path.getsize(cpath)
    if size % 4:
        raise HW2VError(f"{cpath} is damaged: its size is not a whole number of int32 ids")
    try:
        offsets = np.load(opath, mmap_mode="r")
    except (ValueError, OSError) as exc:
        raise HW2VError(f"{opath} is damaged: {exc}") from None
    if offsets.ndim != 1 or len(offsets) < 2 or offsets[0] != 0 or np.any(np.diff(offsets) <= 0):
        raise HW2VError(f"{opath} is damaged: offsets must start at 0 and increase")
    if int(offsets[-1]) * 4 != size:
        raise HW2VError(f"{cpath} is damaged: it holds {size // 4:,} ids but offsets.npy says "
                        f"{int(offsets[-1]):,} (truncated?)")
    corpus = np.memmap(cpath, dtype="<i4", mode="r")
    # a cheap sample check of the ids (a full scan would read the whole corpus)
    probe = np.asarray(corpus[:: max(1, len(corpus) // 100_000)])
    if probe.min() < 0 or probe.max() >= vocab_size:
        raise HW2VError(f"{cpath} holds ids outside the vocabulary; is it from another data dir?")
    return corpus, offsets


def open_data(data_dir, want_val=False) -> CorpusData:
    if not os.path.isdir(data_dir):
        raise HW2VError(f"data dir '{data_dir}' does not exist; run `hw2v preprocess` first")
    vocab_path = os.path.join(data_dir, "vocab.json")
    words, counts = load_vocab(vocab_path)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.min() < 1:
        raise HW2VError(f"vocabulary file '{vocab_path}' is damaged (counts must be positive)")
    corpus, offsets = _open_pair(data_dir, "corpus.bin", "offsets.npy", len(words))
    data = CorpusData(data_dir, words, counts, corpus, offsets, sha256_file(vocab_path))
    if want_val and os.path.isfile(os.path.join(data_dir, "val_corpus.bin")):
        data.val_corpus, data.val_offsets = _open_pair(data_dir, "val_corpus.bin", "val_offsets.npy", len(words))
    return data


def load_vocab(path):
    """(words, counts) from a `vocab.json`, with a one-line error for a missing or broken file."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        words, counts = data["words"], data["counts"]
    except FileNotFoundError:
        raise HW2VError(f"vocabulary file '{path}' does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise HW2VError(f"vocabulary file '{path}' is damaged ({type(exc).__name__})") from None
    if not isinstance(words, list) or not isinstance(counts, list) or len(words) != len(counts) or not words:
        raise HW2VError(f"vocabulary file '{path}' is damaged (words and counts do not match)")
    return words, counts
