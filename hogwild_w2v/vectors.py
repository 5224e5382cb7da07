"""Trained vectors, apart from any training state: lookup, similarity, analogies, word2vec-format I/O."""
from __future__ import annotations

import difflib
import json
import os

import numpy as np

from .data import load_vocab
from .errors import HW2VError


class Vectors:
    """Word vectors (rows in vocabulary order, most frequent first) and their words."""

    def __init__(self, words, matrix):
        if matrix.ndim != 2:
            raise HW2VError(f"embeddings must be a 2-D array, got shape {matrix.shape}")
        if len(words) != matrix.shape[0]:
            raise HW2VError(f"embeddings have {matrix.shape[0]:,} rows but the vocabulary has "
                            f"{len(words):,} words")
        self.words = list(words)
        self.matrix = matrix
        self.index = {w: i for i, w in enumerate(self.words)}
        self._normed = None

    # ---- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, emb_path, vocab_path=None):
        """`.npy` (with `vocab.json`) loads memory-mapped; anything else is read as word2vec text/binary."""
        if not os.path.isfile(emb_path):
            raise HW2VError(f"embeddings file '{emb_path}' does not exist")
        with open(emb_path, "rb") as fh:
            magic = fh.read(6)
        if magic == b"\x93NUMPY":
            if vocab_path is None:
                raise HW2VError("a .npy embeddings file needs its vocab.json")
            try:
                matrix = np.load(emb_path, mmap_mode="r")
            except ValueError as exc:
                raise HW2VError(f"cannot read '{emb_path}' as a NumPy array: {exc}") from None
            return cls(load_vocab(vocab_path)[0], matrix)
        return cls.load_word2vec(emb_path)

    @classmethod
    def from_run(cls, prefix, which="center"):
        """The vectors a training run wrote: PREFIX_center.npy (or "context" / "combined"), with the vocabulary
        of the data directory that PREFIX_config.json names."""
        config = f"{prefix}_config.json"
        try:
            with open(config, encoding="utf-8") as fh:
                data_dir = json.load(fh)["data_dir"]
        except (OSError, ValueError, KeyError):
            raise HW2VError(f"'{config}' is missing or unreadable: is '{prefix}' the prefix of a finished run?") from None
        return cls.load(f"{prefix}_{which}.npy", os.path.join(data_dir, "vocab.json"))

    @classmethod
    def load_word2vec(cls, path):
        """Read word2vec.c's text or binary format (detected from the bytes after the header)."""
        with open(path, "rb") as fh:
            header = fh.readline().split()
            try:
                n, d = int(header[0]), int(header[1])
            except (IndexError, ValueError):
                raise HW2VError(f"'{path}' is neither a .npy array nor a word2vec file") from None
            rest = fh.read()
        words, rows = [], np.empty((n, d), dtype=np.float32)
        binary = False
        pos = 0
        try:
            for i in range(n):
                space = rest.index(b" ", pos)
                word = rest[pos:space].decode("utf-8", errors="replace").lstrip("\n")
                if _is_binary_row(rest, space + 1, d):
                    rows[i] = np.frombuffer(rest, dtype="<f4", count=d, offset=space + 1)
                    pos = space + 1 + 4 * d
                    binary = True
                else:
                    end = rest.index(b"\n", space)
                    rows[i] = np.array(rest[space + 1:end].split(), dtype=np.float32)
                    pos = end + 1
                words.append(word)
        except (ValueError, IndexError):
            raise HW2VError(f"'{path}' is not a valid word2vec {'binary' if binary else 'text'} file") from None
        return cls(words, rows)

    # ---- queries -------------------------------------------------------------------------------
    @property
    def normed(self):
        """Rows scaled to unit L2 norm (computed once)."""
        if self._normed is None:
            m = np.asarray(self.matrix, dtype=np.float32)
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            self._normed = m / np.maximum(norms, 1e-12)
        return self._normed

    def row(self, word):
        try:
            return self.index[word]
        except KeyError:
            close = difflib.get_close_matches(word, self.words[:50000], n=3)
            hint = f" (did you mean: {', '.join(close)}?)" if close else ""
            raise HW2VError(f"'{word}' is not in the vocabulary{hint}") from None

    def _top(self, sims, exclude, top_k):
        sims = sims.copy()
        sims[list(exclude)] = -np.inf
        k = min(top_k, len(sims) - len(exclude))
        if k <= 0:
            return []
        best = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        best = best[np.argsort(-sims[best], kind="stable")][:k]
        return [(self.words[i], float(sims[i])) for i in best]

    def most_similar(self, word, top_k=10):
        i = self.row(word)
        return self._top(self.normed @ self.normed[i], {i}, top_k)

    def analogy(self, a, b, c, top_k=10, method="3cosadd"):
        """Words d with a + b - c ~ d: `king woman man` -> queen (3CosAdd or 3CosMul, Levy & Goldberg 2014)."""
        ia, ib, ic = self.row(a), self.row(b), self.row(c)
        n = self.normed
        if method == "3cosadd":
            target = n[ia] + n[ib] - n[ic]
            sims = n @ (target / np.linalg.norm(target))
        elif method == "3cosmul":
            pos = lambda i: (n @ n[i] + 1) / 2                    # cosines shifted to [0, 1]
            sims = pos(ia) * pos(ib) / (pos(ic) + 1e-3)
        else:
            raise HW2VError(f"unknown analogy method '{method}' (use 3cosadd or 3cosmul)")
        return self._top(sims, {ia, ib, ic}, top_k)

    # ---- export --------------------------------------------------------------------------------
    def save_word2vec(self, path, binary=False):
        """Write word2vec.c's format: a 'count dim' header, then one word and its floats a line."""
        m = np.asarray(self.matrix, dtype=np.float32)
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(f"{m.shape[0]} {m.shape[1]}\n".encode())
            for word, row in zip(self.words, m):
                if binary:
                    fh.write(word.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
                else:
                    fh.write((word + " " + " ".join(f"{x:.6f}" for x in row) + "\n").encode("utf-8"))
        os.replace(tmp, path)


    def save_projector_tsv(self, out_dir):
        """TensorFlow Embedding Projector files: OUT_DIR/vectors.tsv (one row of tab-separated floats a word) and
        OUT_DIR/metadata.tsv (one word a line, no header: the projector's single-column form). Returns both paths."""
        os.makedirs(out_dir, exist_ok=True)
        m = np.asarray(self.matrix, dtype=np.float32)
        paths = [os.path.join(out_dir, "vectors.tsv"), os.path.join(out_dir, "metadata.tsv")]
        with open(paths[0] + ".tmp", "w", encoding="utf-8") as fh:
            for row in m:
                fh.write("\t".join(f"{x:.6g}" for x in row) + "\n")
        with open(paths[1] + ".tmp", "w", encoding="utf-8") as fh:
            for w in self.words:
                fh.write(w.replace("\t", " ").replace("\n", " ") + "\n")
        for p in paths:
            os.replace(p + ".tmp", p)
        return paths


def _is_binary_row(buf, start, d):
    """A text row continues with printable number characters; a binary one almost never does."""
    chunk = buf[start:start + min(4 * d, 64)]
    return any(ch not in b"0123456789.-+eE \n\r" for ch in chunk)
