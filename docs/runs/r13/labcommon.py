"""Shared by lab.py and lab2.py: the bench run's setup and one simulated rank's training of chunks [start, stop)
of the run (every R-th chunk from `r`), in this process, by the shipped worker loop (worker.train_chunks)."""
import os
import sys

import numpy as np
from hogwild_w2v import worker as W
from hogwild_w2v.batching import chunk_bounds
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.data import open_data
from hogwild_w2v.distributed import RankSync


class NoLock:
    def __enter__(self):
        pass

    def __exit__(self, *exc):
        pass


class SettledRule:
    """The shipped settled rows' value, `RankSync.settled_value` itself (the ranks' mean end point plus
    (1 - lr_factor / R) x its drift), for R simulated ranks stepping `lr_factor` x the rate."""

    settled_value = RankSync.settled_value

    def __init__(self, R, lr_factor, drift_decay):
        self.size, self.lr_factor, self.drift_decay, self.history = R, lr_factor, drift_decay, {}


class Run:
    """argv: DATA PREFIX R SEED; env EPOCHS (3), CB (chunk_batches, 4)."""

    def __init__(self, argv, epochs=None):
        data_dir, self.prefix, self.R, self.seed = argv[1], argv[2], int(argv[3]), int(argv[4])
        epochs = epochs or int(os.environ.get("EPOCHS", "3"))
        self.data = open_data(data_dir)
        self.V = len(self.data.counts)
        self.cfg = TrainConfig(epochs=epochs, seed=self.seed,
                               chunk_batches=int(os.environ.get("CB", "4"))).validate()
        self.bounds = chunk_bounds(self.data.offsets, self.cfg.chunk_words)
        self.n_chunks = len(self.bounds) - 1
        self.total_chunks = epochs * self.n_chunks
        self.total_words = epochs * int(self.data.offsets[-1])
        self.rngs = [np.random.default_rng([self.seed, r]) for r in range(self.R)]

    def train(self, mats, start, stop, r, words_base, lr_factor, stride=None, rng=None):
        """Rank r's chunks among [start, stop) of the run (every `stride`-th, default R); the learning rate on
        words_base + stride x its words. Returns its words."""
        stride = stride or self.R
        ctrl = np.zeros(W.CTRL_SLOTS, np.int64)
        ctrl[W.NEXT_CHUNK] = W.local_chunks(start, stride, r)
        ctrl[W.CHUNK_LIMIT] = W.local_chunks(stop, stride, r)
        ctrl[W.LR_BASE], ctrl[W.LR_SCALE], ctrl[W.LR_LOCAL] = words_base, stride, 0
        sh = W.Shared(mats, np.zeros((1, 2), np.int64), np.zeros((1, 2)), ctrl, NoLock())
        d = self.data
        W.train_chunks(self.cfg, sh, corpus=d.corpus, offsets=d.offsets, bounds=self.bounds, counts=d.counts,
                       rng=rng or self.rngs[r], wid=0, total_words=self.total_words, on_pause=lambda: None,
                       should_exit=lambda: ctrl[W.NEXT_CHUNK] >= ctrl[W.CHUNK_LIMIT], stride=stride, offset=r,
                       lr_factor=lr_factor)
        return int(sh.progress[0, W.WORDS])

    def next_point(self, point, period):
        """The next sync point after `point`: a multiple of R x `period` chunks, an epoch's end or the end."""
        R = self.R
        return min((point // (R * period) + 1) * (R * period), (point // self.n_chunks + 1) * self.n_chunks,
                   self.total_chunks)

    def log(self, msg):
        print(msg, file=sys.stderr)
