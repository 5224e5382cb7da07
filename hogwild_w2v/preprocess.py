"""Text -> data directory: `vocab.json`, `corpus.bin` (int32 ids), `offsets.npy`, `meta.json`.

Two streaming passes, so memory is bounded by the vocabulary, never by the corpus:
  1. over the text: every token gets a provisional id on first sight (a dict whose default factory is a
     counter, driven by `map`, so at C speed); the provisional ids go to a temporary file and are counted with
     `np.bincount`;
  2. over that temporary file, block by block: a lookup table turns provisional ids into vocabulary ids (or
     out-of-vocabulary), and sentences, dropping and long-line splitting are whole-array NumPy work.
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
from collections import defaultdict

import numpy as np

from . import __version__
from .errors import HW2VError
from .fileutil import fsync_path
from .text import MARK, block_tokens, check_input, iter_blocks, looks_like_wikitext

MAX_SENTENCE = 10_000          # longer lines are cut into pieces of this many tokens
NEWLINE, OOV = -1, -2          # lookup-table values for line ends and dropped tokens


class Interner:
    """Provisional ids for every distinct token, in order of first sight.

    Ids 0 and 1 are the line ends of the bytes (ASCII fast path) and str token streams."""

    def __init__(self):
        self.ids = defaultdict(itertools.count().__next__)
        self.ids[MARK], self.ids["\n"]            # noqa: B018 - touching assigns ids 0 and 1

    def encode(self, toks):
        return np.fromiter(map(self.ids.__getitem__, toks), dtype=np.int32, count=len(toks))

    def words(self):
        """The word of each provisional id: bytes tokens decoded, the two line ends as None."""
        out = [k.decode("ascii") if isinstance(k, bytes) else k for k in self.ids]
        out[0] = out[1] = None
        return out


def scan(paths, interner, pid_path, wikitext=None, keep_case=False, progress=None):
    """Pass 1: provisional ids of every token, line ends included, to `pid_path` (int32).

    Returns (count of each provisional id, sizes of the blocks written, stats). Every block ends with a line end.
    `progress(bytes)`: bytes of the input files read so far (on disk), all files together.
    """
    stats = {"replaced_chars": 0, "wikitext": {}}
    counts = np.zeros(2, dtype=np.int64)
    blocks = []
    done = 0
    with open(pid_path, "wb") as out:
        for path in paths:
            wiki = looks_like_wikitext(path) if wikitext is None else wikitext
            stats["wikitext"][os.path.basename(path)] = wiki
            on_read = None if progress is None else (lambda pos, base=done: progress(base + pos))
            for raw in iter_blocks(path, on_read):
                toks, replaced = block_tokens(raw, wiki, keep_case, with_newlines=True)
                stats["replaced_chars"] += replaced
                pids = interner.encode(toks)
                out.write(pids.tobytes())
                blocks.append(len(pids))
                c = np.bincount(pids)
                if len(c) > len(counts):
                    counts = np.concatenate([counts, np.zeros(len(c) - len(counts), np.int64)])
                counts[:len(c)] += c
            done += os.path.getsize(path)
    return counts, blocks, stats


def word_counts(interner, counts):
    """{word: count}; a word seen both as bytes and as str tokens (ASCII and other blocks) is summed."""
    total = {}
    for word, n in zip(interner.words(), counts.tolist()):
        if word is not None and n:
            total[word] = total.get(word, 0) + n
    return total


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


def remap(pid_path, blocks, lut, corpus_path, offsets_path):
    """Pass 2: provisional ids -> vocabulary ids in `corpus_path`, sentence offsets in `offsets_path`.

    `lut` maps each provisional id to a vocabulary id, NEWLINE or OOV. Returns tokens kept, tokens dropped as
    out-of-vocabulary, sentences, and the sha256 of the corpus file.
    """
    sha = hashlib.sha256()
    total = dropped = n_sent = 0
    offsets_raw = offsets_path + ".raw"
    with open(pid_path, "rb") as src, open(corpus_path, "wb") as corpus, open(offsets_raw, "wb") as offs:
        offs.write(np.zeros(1, dtype="<i8").tobytes())
        for size in blocks:
            ids = lut[np.frombuffer(src.read(4 * size), dtype=np.int32)]
            newline = ids == NEWLINE
            keep = ids >= 0
            line_of = np.cumsum(newline)[keep]                  # line number of each kept token
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
    return {"tokens": total, "dropped_oov_tokens": dropped, "sentences": n_sent, "sha256": sha.hexdigest()}


def preprocess(inputs, data_dir, min_count=5, max_vocab=None, val_input=None, keep_case=False,
               wikitext=None, force=False, log=lambda msg: None, progress=None):
    """Build a data directory from text files. Returns the contents of `meta.json`.

    `log(message)` hears each pass begin; `progress(bytes_read, bytes_total)` hears pass 1's reading of the
    inputs (on-disk bytes, compressed for .gz), every few MB."""
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

    parent = os.path.dirname(os.path.abspath(data_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".hw2v-tmp-", dir=parent)
    try:
        log("pass 1/2: reading and counting words")
        interner = Interner()
        pid_path = os.path.join(tmp, "train.pids")
        total_bytes = sum(sizes[p] for p in inputs)
        report = None if progress is None else (lambda n: progress(n, total_bytes))
        counts, blocks, stats = scan(inputs, interner, pid_path, wikitext, keep_case, report)
        if val_input is not None:                  # val tokens get provisional ids but are not counted
            val_path = os.path.join(tmp, "val.pids")
            _, val_blocks, val_stats = scan([val_input], interner, val_path, wikitext, keep_case)
        totals = word_counts(interner, counts)
        if not totals:
            raise HW2VError("the input holds no words (is it empty?)")
        words, freqs = build_vocab(totals, min_count, max_vocab)
        if not words:
            raise HW2VError(f"no word occurs at least {min_count} times (--min-count {min_count}); lower it")
        index = {w: i for i, w in enumerate(words)}
        lut = np.array([NEWLINE if w is None else index.get(w, OOV) for w in interner.words()], dtype=np.int32)
        del interner

        log(f"pass 2/2: encoding {sum(freqs):,} in-vocabulary tokens ({len(words):,} words)")
        enc = remap(pid_path, blocks, lut, os.path.join(tmp, "corpus.bin"), os.path.join(tmp, "offsets.npy"))
        os.remove(pid_path)
        if enc["sentences"] == 0:
            raise HW2VError("no sentence is left after dropping out-of-vocabulary words")
        meta = {
            "hw2v_version": __version__,
            "dtype": "int32", "byteorder": "little",
            "vocab_size": len(words), "tokens": enc["tokens"], "sentences": enc["sentences"],
            "dropped_oov_tokens": enc["dropped_oov_tokens"], "replaced_chars": stats["replaced_chars"],
            "corpus_sha256": enc["sha256"],
            "settings": {"min_count": min_count, "max_vocab": max_vocab, "keep_case": keep_case,
                         "max_sentence": MAX_SENTENCE},
            "wikitext": stats["wikitext"],
            "inputs": [{"name": os.path.abspath(p), "bytes": sizes[p]} for p in inputs],
        }
        if val_input is not None:
            venc = remap(val_path, val_blocks, lut, os.path.join(tmp, "val_corpus.bin"),
                         os.path.join(tmp, "val_offsets.npy"))
            os.remove(val_path)
            meta["val"] = {"name": os.path.abspath(val_input), "bytes": sizes[val_input],
                           "tokens": venc["tokens"], "sentences": venc["sentences"],
                           "dropped_oov_tokens": venc["dropped_oov_tokens"], "sha256": venc["sha256"],
                           "replaced_chars": val_stats["replaced_chars"]}
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
