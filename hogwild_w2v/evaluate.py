"""Intrinsic evaluation with gensim's conventions: Google analogies and word-pair similarity (WordSim-353).

`evaluate_analogies` follows gensim's `KeyedVectors.evaluate_word_analogies(restrict_vocab=30000,
case_insensitive=True)`: only the `restrict_vocab` most frequent words are candidates and may appear in a
question; words are upper-cased for matching (first occurrence in frequency order wins); a question with an
unknown word is skipped and counted; the answer is the best 3CosAdd candidate other than the three question
words. `evaluate_pairs` follows `evaluate_word_pairs`: Spearman rho of cosine similarity against human scores,
pairs with an unknown word skipped. `read_pairs` detects the pair file's format (tab-, comma- or space-separated,
with or without a header such as SimLex-999's).

With no file named, the sets shipped in the package are used (`BUNDLED`; sources and licences in
`evalsets/PROVENANCE.md`).
"""
from __future__ import annotations

import os

import numpy as np

from .errors import HW2VError
from .vectors import Vectors


_EVALSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evalsets")
BUNDLED = {"analogies": os.path.join(_EVALSETS, "questions-words.txt"),
           "pairs": os.path.join(_EVALSETS, "wordsim353.tsv")}


def _read_lines(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().splitlines()
    except OSError as exc:
        raise HW2VError(f"cannot read '{path}': {exc.strerror}") from None


def _case_index(words, limit):
    """Upper-cased word -> row among the first `limit` words; the most frequent spelling wins."""
    index = {}
    for i, w in enumerate(words[:limit]):
        index.setdefault(w.upper(), i)
    return index


def _analogy_sections(vec: Vectors, path, restrict_vocab, case_insensitive):
    """The answerable questions of `questions-words.txt` as row ids: ([(section, (n, 4) ids)], skipped, the
    candidates' normalised rows (L, d))."""
    limit = min(restrict_vocab, len(vec.words))
    index = _case_index(vec.words, limit) if case_insensitive else {w: i for i, w in enumerate(vec.words[:limit])}
    sections, current, skipped = [], None, 0
    for line in _read_lines(path):
        if not line.strip():
            continue
        if line.startswith(":"):
            current = (line[1:].strip(), [])
            sections.append(current)
            continue
        if current is None:
            raise HW2VError(f"'{path}' does not start with a ': section' line")
        parts = line.upper().split() if case_insensitive else line.split()
        if len(parts) != 4:
            raise HW2VError(f"'{path}': a question needs 4 words, got: {line!r}")
        ids = [index.get(p) for p in parts]
        if None in ids:
            skipped += 1
            continue
        current[1].append(ids)
    return ([(name, np.array(q, dtype=np.int64).reshape(-1, 4)) for name, q in sections], skipped,
            vec.normed[:limit])


def _analogy_scores(norm, q, batch):
    """Yield (question ids (n, 4), 3CosAdd similarity of every candidate (n, L)) a batch of questions at a time,
    the three question words excluded (-inf)."""
    for start in range(0, len(q), batch):
        part = q[start:start + batch]
        a, b, c, _ = part.T
        target = norm[b] - norm[a] + norm[c]                            # (n, d): b - a + c, gensim's 3CosAdd
        target /= np.linalg.norm(target, axis=1, keepdims=True)
        sims = target @ norm.T                                          # (n, L)
        rows = np.arange(len(a))
        for excl in (a, b, c):
            sims[rows, excl] = -np.inf
        yield part, sims


def evaluate_analogies(vec: Vectors, path, restrict_vocab=30000, case_insensitive=True, batch=2048):
    """Accuracy per section and for the semantic / syntactic / total groups of `questions-words.txt`."""
    parsed, skipped, norm = _analogy_sections(vec, path, restrict_vocab, case_insensitive)
    sections = []
    for name, q in parsed:
        correct = sum(int((sims.argmax(axis=1) == part[:, 3]).sum()) for part, sims in _analogy_scores(norm, q, batch))
        sections.append({"section": name, "correct": correct, "total": len(q)})

    def group(names):
        c = sum(s["correct"] for s in names)
        t = sum(s["total"] for s in names)
        return {"correct": c, "total": t, "accuracy": c / t if t else 0.0}

    semantic = [s for s in sections if not s["section"].startswith("gram")]
    syntactic = [s for s in sections if s["section"].startswith("gram")]
    return {"sections": sections, "semantic": group(semantic), "syntactic": group(syntactic),
            "total": group(sections), "skipped": skipped}


def analogy_ranks(vec: Vectors, path, restrict_vocab=30000, case_insensitive=True, batch=2048):
    """{section: (question ids (n, 4), rank of the expected answer among the candidates (n,), 0 = first)} for the
    sections with answerable questions, under `evaluate_analogies`' conventions (scripts/analogy_ranks.py)."""
    parsed, _, norm = _analogy_sections(vec, path, restrict_vocab, case_insensitive)
    out = {}
    for name, q in parsed:
        if len(q):
            r = [(sims > sims[np.arange(len(part)), part[:, 3]][:, None]).sum(axis=1)
                 for part, sims in _analogy_scores(norm, q, batch)]
            out[name] = (q, np.concatenate(r))
    return out


def rankdata(x):
    """Average ranks (1-based), ties sharing the mean of their positions, as scipy.stats.rankdata."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    new = np.concatenate([[True], xs[1:] != xs[:-1]])
    group_id = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(x))
    avg = (starts + ends - 1) / 2.0 + 1.0
    ranks = np.empty(len(x))
    ranks[order] = avg[group_id]
    return ranks


def spearman(a, b):
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _split(line, sep):
    return [f.strip() for f in (line.split(sep) if sep else line.split())]


def read_pairs(path):
    """[(word1, word2, score)] from a word-pair file, its format detected from its first data line.

    Lines that are empty or start with '#' are comments. Fields are separated by tabs if the first data line has
    one, else by commas if it has one, else by spaces. A first data line whose third field is not a number is a
    header: its columns named word1 / word 2 / ... pick the words, and the score is the column named SimLex999
    if there is one, else the first other column (WordSim-353's `combined.csv`: "Word 1,Word 2,Human (mean)").
    A line that cannot be read is a one-line error naming it.
    """
    rows = [(n, line) for n, line in enumerate(_read_lines(path), 1) if line.strip() and not line.startswith("#")]
    if not rows:
        raise HW2VError(f"'{path}': no word pairs in it")
    first = rows[0][1]
    sep = "\t" if "\t" in first else "," if "," in first else None
    cols = (0, 1, 2)
    head = _split(first, sep)
    if len(head) >= 3 and not _is_number(head[2]):                        # a header line
        names = [h.lower().replace(" ", "").replace("_", "") for h in head]
        if "word1" in names and "word2" in names:
            w1, w2 = names.index("word1"), names.index("word2")
            score = names.index("simlex999") if "simlex999" in names else next(
                i for i in range(len(names)) if i not in (w1, w2))
            cols = (w1, w2, score)
        rows = rows[1:]
    out = []
    for n, line in rows:
        fields = _split(line, sep)
        try:
            out.append((fields[cols[0]], fields[cols[1]], float(fields[cols[2]])))
        except (IndexError, ValueError):
            raise HW2VError(f"'{path}' line {n}: expected two words and a score, got: {line.strip()[:80]!r}") from None
    return out


def evaluate_pairs(vec: Vectors, path, case_insensitive=True):
    """Spearman rho between cosine similarity and the human scores of a word-pair file (`read_pairs` formats)."""
    index = _case_index(vec.words, len(vec.words)) if case_insensitive else vec.index
    model, human, skipped = [], [], 0
    pairs = read_pairs(path)
    for a, b, score in pairs:
        w1, w2 = (a.upper(), b.upper()) if case_insensitive else (a, b)
        i, j = index.get(w1), index.get(w2)
        if i is None or j is None:
            skipped += 1
            continue
        model.append(float(vec.normed[i] @ vec.normed[j]))
        human.append(score)
    if len(model) < 2:
        raise HW2VError(f"'{path}': fewer than two pairs have both words in the vocabulary")
    return {"spearman": spearman(human, model), "pairs": len(model), "skipped": skipped,
            "oov_ratio": skipped / len(pairs)}
