"""`hw2v plot` (optional extra): a PCA map of words and a training curve are written as PNG files."""
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from hogwild_w2v.cli import main
from hogwild_w2v.plot import pca_2d

pytest.importorskip("matplotlib")


def test_pca_2d_keeps_the_main_direction():
    rng = np.random.default_rng(0)
    rows = np.outer(np.linspace(-1, 1, 50), [3, 4, 0]) + rng.normal(0, 0.01, (50, 3))
    xy = pca_2d(rows)
    assert xy.shape == (50, 2) and np.std(xy[:, 0]) > 20 * np.std(xy[:, 1])


def test_plot_words_and_training_curve(tmp_path):
    words = ["king", "queen", "man", "woman"]
    np.save(tmp_path / "e.npy", np.random.default_rng(1).normal(size=(4, 8)).astype(np.float32))
    (tmp_path / "vocab.json").write_text(json.dumps({"words": words, "counts": [4, 3, 2, 1]}))
    r = CliRunner().invoke(main, ["plot", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json"),
                                  "--words", "king,queen,man,woman", "--out", str(tmp_path / "w.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"
    log = tmp_path / "run.jsonl"
    log.write_text("".join(json.dumps({"elapsed": t, "words_per_s": 1000.0 * t, "loss": 3 - t / 10,
                                       "val_loss": None}) + "\n" for t in range(1, 10)))
    r = CliRunner().invoke(main, ["plot", "--training-log", str(log), "--out", str(tmp_path / "c.png")])
    assert r.exit_code == 0, r.output
    assert os.path.getsize(tmp_path / "c.png") > 1000
    r = CliRunner().invoke(main, ["plot", "--out", str(tmp_path / "x.png")])
    assert r.exit_code == 2 and "give EMB VOCAB" in r.output
