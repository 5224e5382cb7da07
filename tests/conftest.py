import os
import sys

import numpy as np
import pytest

from hogwild_w2v.preprocess import preprocess

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")


def planted_text(n_sentences=3000, seed=0):
    """Sentences drawn from one of four topics; words of a topic only ever meet each other (plus fillers)."""
    rng = np.random.default_rng(seed)
    topics = [[f"{t}{i}" for i in range(8)] for t in "abcd"]
    lines = []
    for _ in range(n_sentences):
        topic = topics[rng.integers(4)]
        words = [topic[k] for k in rng.integers(0, 8, size=rng.integers(6, 14))]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def topical_zipf_text(n_lines=100, line_len=100, n_common=300, n_topics=10, topic_size=20, topical=0.4, seed=0):
    """Long lines of Zipf-distributed common words ("c0" most frequent) mixed with the words of one topic a
    line ("t3w7": word 7 of topic 3). A small vocabulary with very frequent words and long lines: the shape on
    which wide windows and many negatives blew up stale batched updates (issue 15)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_common + 1)
    p /= p.sum()
    lines = []
    for k in range(n_lines):
        t = k % n_topics
        common = rng.choice(n_common, line_len, p=p)
        mine = rng.integers(0, topic_size, line_len)
        pick = rng.random(line_len) < topical
        lines.append(" ".join(f"t{t}w{m}" if q else f"c{c}" for q, m, c in zip(pick, mine, common)))
    return "\n".join(lines) + "\n"


def topic_score(matrix, words, top_k=10):
    """Mean fraction of a topic word's top_k cosine neighbours that belong to its own topic."""
    m = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    topic = np.array([w.split("w")[0] if w.startswith("t") else "" for w in words])
    scores = []
    for i in np.flatnonzero(topic != ""):
        sims = m @ m[i]
        sims[i] = -np.inf
        near = np.argsort(-sims)[:top_k]
        scores.append(np.mean(topic[near] == topic[i]))
    return float(np.mean(scores))


def preprocessed_dir(tmp_path_factory, name, text):
    """A data dir made by `preprocess` (min-count 1) from `text`."""
    base = tmp_path_factory.mktemp(name)
    src = base / f"{name}.txt"
    src.write_text(text)
    preprocess([str(src)], str(base / "data"), min_count=1)
    return str(base / "data")


def finite_difference_grad(loss, mat, eps=1e-6):
    """d loss() / d mat by central differences, one entry at a time (mat is changed and restored in place)."""
    grad = np.zeros_like(mat)
    for idx in np.ndindex(mat.shape):
        old = mat[idx]
        mat[idx] = old + eps
        up = loss()
        mat[idx] = old - eps
        down = loss()
        mat[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


@pytest.fixture(scope="session")
def zipf_dir(tmp_path_factory):
    return preprocessed_dir(tmp_path_factory, "zipf", topical_zipf_text())


@pytest.fixture(scope="session")
def planted_dir(tmp_path_factory):
    return preprocessed_dir(tmp_path_factory, "planted", planted_text())


def python_cmd():
    return [sys.executable, "-m", "hogwild_w2v"]


def crashing_worker(spec, queue, lock):
    """A stand-in worker target (spawned by name, so it must live in an importable module) that fails."""
    from hogwild_w2v import worker

    def boom(*args, **kwargs):
        raise RuntimeError("injected failure")

    worker.train_chunks = boom
    worker.worker_main(spec, queue, lock)
