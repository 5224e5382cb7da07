"""Text -> data directory: `vocab.json`, `corpus.bin` (int32 ids), `offsets.npy`, `meta.json`.

Two streaming passes, so memory is bounded by the vocabulary, never by the corpus:
  1. count tokens (C-speed `Counter.update` over the tokens of ~4 MiB blocks);
  2. map tokens to ids with one dict lookup each (`map(dict.get, ...)`), then sentences, out-of-vocabulary
     dropping and long-line splitting are whole-array NumPy work.
Tokenising a block of plain ASCII is one `bytes.translate` and one `split` (see `text.block_tokens`).
Everything is written in a temporary folder beside the target and renamed into place when complete.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import tempfile
import zlib
from collections import Counter

import numpy as np

from . import __version__
from .errors import HW2VError
from .fileutil import fsync_path
from .text import MARK, block_tokens, check_input, iter_blocks, looks_like_wikitext

MAX_SENTENCE = 10_000          # longer lines are cut into pieces of this many tokens
NEWLINE, OOV = -1, -2          # markers in pass 2


def _tokens(paths, wikitext, keep_case, stats, with_newlines):
    """Token lists of every block of every input (str or, on the ASCII fast path, bytes tokens)."""
    for path in paths:
        wiki = looks_like_wikitext(path) if wikitext is None else wikitext
        stats.setdefault("wikitext", {})[os.path.basename(path)] = wiki
        try:
            for raw in iter_blocks(path):
                toks, replaced = block_tokens(raw, wiki, keep_case, with_newlines)
                stats["replaced_chars"] = stats.get("replaced_chars", 0) + replaced
                yield toks
        except zlib.error as exc:
            raise HW2VError(f"cannot read input '{path}': corrupt gzip data ({exc})") from None


def count_words(paths, wikitext=None, keep_case=False, stats=None):
    """Pass 1: a Counter of every token in `paths`."""
    counts, ascii_counts = Counter(), Counter()
    for toks in _tokens(paths, wikitext, keep_case, {} if stats is None else stats, with_newlines=False):
        if toks and isinstance(toks[0], bytes):
            ascii_counts.update(toks)
        else:
            counts.update(toks)
    for word, n in ascii_counts.items():
        counts[word.decode("ascii")] += n
    return counts


def build_vocab(counts, min_count=5, max_vocab=None):
    """Words with count >= min_count, most frequent first, ties by word; the `max_vocab` most frequent."""
    items = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if max_vocab is not None:
        items = items[:max_vocab]
    return [w for w, _ in items], [c for _, c in items]


def split_long(lengths, limit=MAX_SENTENCE):
    """Cut sentence lengths longer than `limit` into pieces of at most `limit`."""
    pieces = -(-lengths // limit)
    expanded = np.repeat(lengths, pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(len(expanded)) - first
    return np.minimum(limit, expanded - k * limit)


def encode(paths, index, corpus_path, offsets_path, wikitext=None, keep_case=False):
    """Pass 2: write int32 ids of in-vocabulary tokens to `corpus_path` and sentence offsets to `offsets_path`.

    Returns counts: tokens kept, tokens dropped as out-of-vocabulary, sentences, sha256 of the corpus file.
    """
    lookup = index.get
    byte_index = {w.encode("ascii"): i for w, i in index.items() if w.isascii() and w != "\n"}
    byte_index[MARK] = NEWLINE
    lookup_bytes = byte_index.get
    sha = hashlib.sha256()
    total = dropped = 0
    stats = {}
    offsets_raw = offsets_path + ".raw"
    with open(corpus_path, "wb") as corpus, open(offsets_raw, "wb") as offs:
        offs.write(np.zeros(1, dtype="<i8").tobytes())
        n_sent = 0
        for toks in _tokens(paths, wikitext, keep_case, stats, with_newlines=True):
            get = lookup_bytes if toks and isinstance(toks[0], bytes) else lookup
            ids = np.fromiter(map(get, toks, itertools.repeat(OOV)), dtype=np.int32, count=len(toks))
            newline = ids == NEWLINE
            keep = ids >= 0
            line_of = np.cumsum(newline)[keep]                      # line number of each kept token
            lengths = np.bincount(line_of, minlength=int(newline.sum()) + 1)
            lengths = split_long(lengths[lengths > 0])
            kept = ids[keep].astype("<i4")
            data = kept.tobytes()
            corpus.write(data)
            sha.update(data)
            offs.write((total + np.cumsum(lengths)).astype("<i8").tobytes())
            total += len(kept)
            dropped += int(len(ids) - newline.sum() - len(kept))
            n_sent += len(lengths)
    # offsets: raw int64 stream -> .npy without holding it whole in memory
    out = np.lib.format.open_memmap(offsets_path, mode="w+", dtype="<i8", shape=(n_sent + 1,))
    out[:] = np.memmap(offsets_raw, dtype="<i8", mode="r", shape=(n_sent + 1,))
    out.flush()
    del out
    os.remove(offsets_raw)
    return {"tokens": total, "dropped_oov_tokens": dropped, "sentences": n_sent, "sha256": sha.hexdigest(),
            "replaced_chars": stats.get("replaced_chars", 0), "wikitext": stats.get("wikitext", {})}


def preprocess(inputs, data_dir, min_count=5, max_vocab=None, val_input=None, keep_case=False,
               wikitext=None, force=False, log=lambda msg: None):
    """Build a data directory from text files. Returns the contents of `meta.json`."""
    if min_count < 1:
        raise HW2VError("--min-count must be at least 1")
    if max_vocab is not None and max_vocab < 1:
        raise HW2VError("--max-vocab must be at least 1")
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise HW2VError(f"--data-dir '{data_dir}' is a file, not a directory")
    if os.path.isdir(data_dir) and os.listdir(data_dir) and not force:
        raise HW2VError(f"data dir '{data_dir}' already exists and is not empty; use --force to replace it")
    sizes = {p: check_input(p) for p in inputs}
    if val_input is not None:
        sizes[val_input] = check_input(val_input)

    log("pass 1/2: counting words")
    stats = {}
    counts = count_words(inputs, wikitext, keep_case, stats)
    if not counts:
        raise HW2VError("the input holds no words (is it empty?)")
    words, freqs = build_vocab(counts, min_count, max_vocab)
    if not words:
        raise HW2VError(f"no word occurs at least {min_count} times (--min-count {min_count}); lower it")
    index = {w: i for i, w in enumerate(words)}
    index["\n"] = NEWLINE

    parent = os.path.dirname(os.path.abspath(data_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".hw2v-tmp-", dir=parent)
    try:
        log(f"pass 2/2: encoding {sum(freqs):,} in-vocabulary tokens ({len(words):,} words)")
        enc = encode(inputs, index, os.path.join(tmp, "corpus.bin"), os.path.join(tmp, "offsets.npy"),
                     wikitext, keep_case)
        if enc["sentences"] == 0:
            raise HW2VError("no sentence is left after dropping out-of-vocabulary words")
        meta = {
            "hw2v_version": __version__,
            "dtype": "int32", "byteorder": "little",
            "vocab_size": len(words), "tokens": enc["tokens"], "sentences": enc["sentences"],
            "dropped_oov_tokens": enc["dropped_oov_tokens"], "replaced_chars": stats.get("replaced_chars", 0),
            "corpus_sha256": enc["sha256"],
            "settings": {"min_count": min_count, "max_vocab": max_vocab, "keep_case": keep_case,
                         "max_sentence": MAX_SENTENCE},
            "wikitext": enc["wikitext"],
            "inputs": [{"name": os.path.abspath(p), "bytes": sizes[p]} for p in inputs],
        }
        if val_input is not None:
            venc = encode([val_input], index, os.path.join(tmp, "val_corpus.bin"),
                          os.path.join(tmp, "val_offsets.npy"), wikitext, keep_case)
            meta["val"] = {"name": os.path.abspath(val_input), "bytes": sizes[val_input],
                           "tokens": venc["tokens"], "sentences": venc["sentences"],
                           "dropped_oov_tokens": venc["dropped_oov_tokens"], "sha256": venc["sha256"]}
        with open(os.path.join(tmp, "vocab.json"), "w") as fh:
            json.dump({"words": words, "counts": freqs}, fh, ensure_ascii=False)
        with open(os.path.join(tmp, "meta.json"), "w") as fh:
            json.dump(meta, fh, indent=1)
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb+") as fh:
                os.fsync(fh.fileno())
        old = None
        if os.path.isdir(data_dir):
            old = tempfile.mkdtemp(prefix=".hw2v-old-", dir=parent)
            os.rename(data_dir, os.path.join(old, "d"))
        os.rename(tmp, data_dir)
        fsync_path(parent)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return meta
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
