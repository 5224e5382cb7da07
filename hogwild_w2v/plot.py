"""Pictures (optional extra `plot`: matplotlib): 2-D PCA of chosen words, and a training curve from --log-jsonl."""
from __future__ import annotations

import json

import numpy as np

from .errors import HW2VError


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise HW2VError("plotting needs matplotlib: pip install 'hw2v[plot]'") from None
    return plt


def pca_2d(rows):
    """Project rows (n, d) on their first two principal components: (n, 2)."""
    centerd = rows - rows.mean(axis=0)
    _, _, vt = np.linalg.svd(centerd, full_matrices=False)
    return centerd @ vt[:2].T


def plot_words(vec, words, out):
    if len(words) < 2:
        raise HW2VError("give at least two words to plot")
    rows = np.stack([vec.normed[vec.row(w)] for w in words])
    xy = pca_2d(rows)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.scatter(xy[:, 0], xy[:, 1], s=18)
    for (x, y), w in zip(xy, words):
        ax.annotate(w, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=10)
    ax.set_title("word vectors, first two principal components")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_training(log_path, out):
    try:
        with open(log_path, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise HW2VError(f"cannot read training log '{log_path}': {exc}") from None
    if not recs:
        raise HW2VError(f"training log '{log_path}' is empty")
    t = np.array([r["elapsed"] for r in recs])
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    loss = [(r["elapsed"], r["loss"]) for r in recs if r.get("loss") is not None]
    if loss:
        a1.plot(*zip(*loss), label="train loss (recent batches)")
    val = [(r["elapsed"], r["val_loss"]) for r in recs if r.get("val_loss") is not None]
    if val:
        a1.plot(*zip(*val), label="validation loss", linestyle="--")
    a1.set_ylabel("SGNS loss per positive pair")
    a1.legend()
    a2.plot(t, [r["words_per_s"] / 1e3 for r in recs])
    a2.set_ylabel("thousand words/s")
    a2.set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
