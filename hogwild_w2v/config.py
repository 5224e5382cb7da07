"""Every training setting, in one frozen dataclass.

The CLI builds a `TrainConfig`, every checkpoint and `PREFIX_config.json` stores it, and `from_dict` rejects
keys it does not know, so a typo in a saved file is an error rather than a silently ignored setting.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import HW2VError


@dataclass(frozen=True)
class TrainConfig:
    model: str = "sg"               # sg: skip-gram | cbow: continuous bag of words (word2vec.c -cbow 1)
    hs: bool = False                # hierarchical softmax (word2vec.c -hs 1); with negative 0 the only objective
    cbow_mean: bool = True          # CBOW's hidden vector: the mean of its contexts (True, word2vec.c) or their sum
    dim: int = 100                  # embedding size d
    window: int = 5                 # maximum context distance; the effective one is drawn from 1..window
    negative: int = 5               # negatives per positive pair, as word2vec.c's -negative; 0: no NS (needs hs)
    lr: float = 0.025               # starting learning rate (word2vec.c -alpha for skip-gram)
    min_lr: float | None = None     # final learning rate; None means lr * 1e-4, as word2vec.c
    sample: float = 1e-3            # subsampling threshold s; 0 disables subsampling
    epochs: int = 5                 # passes over the corpus
    seed: int = 1                   # seeds matrices and every worker's random stream
    workers: int = 1                # processes updating the shared matrices (Hogwild)
    batch_words: int = 256          # raw corpus tokens per kernel call: how stale a step is
    chunk_batches: int = 4          # kernel calls per chunk a worker claims and prepares at once (speed only)
    group: int = 48                 # center words that share one set of negatives (HogBatch-style)
    shared_negatives: int | None = None  # negatives drawn per group; None: max(group, negative * (window + 1))
    damping: bool = True            # scale a row's stale batch update by its curvature (see sgns.py: stop a step at the minimum)
    direction: str = "auto"         # which input row predicts: center (textbook) | context (word2vec.c) | auto
    ns_exponent: float = 0.75       # negatives ~ unigram ** ns_exponent
    val: bool = False               # report held-out SGNS loss each epoch

    @property
    def negatives_per_block(self) -> int:
        """Kb. A skip-gram center has window + 1 contexts on average (effective window uniform in 1..window), so
        negative * (window + 1) negatives give each positive pair about `negative` of its own, each with weight
        about 1, as in word2vec.c; fewer would give each negative a heavier, noisier weight. A CBOW center makes
        one prediction, so `negative` would do; `group` (more, lighter negatives) costs little more. None without
        negative sampling."""
        if self.negative == 0:
            return 0
        if self.shared_negatives is not None:
            return self.shared_negatives
        per_center = self.negative if self.model == "cbow" else self.negative * (self.window + 1)
        return max(self.group, per_center)

    @property
    def input_direction(self) -> str:
        """The direction the kernel trains: `direction`, with "auto" resolved from the model. Skip-gram with
        negative sampling only: "context", word2vec.c's order (each context's input row predicts the center's
        output row), which scored level with or above gensim on the parity grid where the textbook order fell
        behind (docs/BENCHMARKS.md, rounds 8-9). Hierarchical softmax and CBOW: "center", their only layout."""
        if self.direction != "auto":
            return self.direction
        return "context" if self.model == "sg" and not self.hs else "center"

    @property
    def chunk_words(self) -> int:
        """Raw tokens of a chunk: the unit of work a worker claims, prepares in one `make_batch` and finishes
        before a checkpoint pause; `chunk_batches` kernel calls of `batch_words` each (`Batch.split`)."""
        return self.batch_words * self.chunk_batches

    @property
    def final_lr(self) -> float:
        return self.lr * 1e-4 if self.min_lr is None else self.min_lr

    def validate(self) -> "TrainConfig":
        checks = [
            (self.dim >= 1, "--dim must be at least 1"),
            (self.window >= 1, "--window-size must be at least 1"),
            (self.model in ("sg", "cbow"), f"unknown --model {self.model!r}: choose sg or cbow"),
            (self.negative >= 0, "--negative must be at least 0"),
            (self.negative >= 1 or self.hs, "--negative 0 needs --hs: there would be no objective to train"),
            (self.cbow_mean or self.model == "cbow", "--cbow-sum only applies to --model cbow"),
            (self.direction != "context" or (self.model == "sg" and not self.hs),
             "--direction context is for skip-gram with negative sampling alone (CBOW and --hs: center)"),
            (self.lr > 0, "--lr must be positive"),
            (self.min_lr is None or 0 <= self.min_lr <= self.lr, "--min-lr must be between 0 and --lr"),
            (0 <= self.sample < 1, "--sample must be in [0, 1)"),
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.workers >= 1, "--workers must be at least 1"),
            (self.batch_words >= 64, "batch_words must be at least 64"),
            (self.chunk_batches >= 1, "chunk_batches must be at least 1"),
            (self.group >= 1, "group must be at least 1"),
            (self.shared_negatives is None or self.shared_negatives >= 1, "shared_negatives must be at least 1"),
            (self.direction in ("auto", "center", "context"), "direction must be auto, center or context"),
            (self.seed >= 0, "--seed must be non-negative"),
        ]
        for ok, message in checks:
            if not ok:
                raise HW2VError(message)
        return self

    def to_dict(self) -> dict:
        """Every field, with the direction resolved: a saved run records what it trained, whatever "auto"
        means in a later hw2v."""
        return dict(dataclasses.asdict(self), direction=self.input_direction)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise HW2VError(f"unknown training setting(s): {', '.join(unknown)}")
        if data.get("direction") == "centre":     # the spelling of checkpoints written before 2026-11-26
            data = dict(data, direction="center")
        if "chunk_batches" not in data:           # written before chunks held several kernel calls: one each
            data = dict(data, chunk_batches=1)
        return cls(**data)

    # Settings that change what the matrices mean; a checkpoint may only resume under the same values.
    # (lr, epochs, workers and damping only change how the optimiser goes on from there; direction "auto"
    # continues in the checkpoint's direction, resume.adopt_checkpoint_settings.)
    MODEL_KEYS = ("model", "hs", "cbow_mean", "dim", "window", "negative", "sample", "ns_exponent", "group",
                  "shared_negatives", "batch_words", "direction")
    # (chunk_batches is not one: it only cuts the work; a resumed run keeps the checkpoint's, as above)


def learning_rate(cfg: TrainConfig, words_done: int, total_words: int) -> float:
    """word2vec.c's schedule: linear decay with words processed over all epochs, floored at `final_lr`."""
    progress = min(1.0, words_done / total_words)
    return max(cfg.final_lr, cfg.lr - (cfg.lr - cfg.final_lr) * progress)
