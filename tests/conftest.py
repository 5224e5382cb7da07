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


@pytest.fixture(scope="session")
def planted_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("planted")
    src = base / "planted.txt"
    src.write_text(planted_text())
    preprocess([str(src)], str(base / "data"), min_count=1)
    return str(base / "data")


def python_cmd():
    return [sys.executable, "-m", "hogwild_w2v"]


def crashing_worker(spec, queue):
    """A stand-in worker target (spawned by name, so it must live in an importable module) that fails."""
    from hogwild_w2v import worker

    def boom(*args, **kwargs):
        raise RuntimeError("injected failure")

    worker.train_share = boom
    worker.worker_main(spec, queue)
