"""The Huffman tree of hierarchical softmax, as word2vec.c's CreateBinaryTree builds it.

Each word is a leaf; its code is the left/right turn (0/1) at each inner node from the root down, and its path
(`points`) the inner nodes it passes, numbered 0..V-2 (the root is V-2), the rows of the `w_hs` matrix. Frequent
words get short codes, so a word costs about log2(V) sigmoids on average instead of V.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_CODE_LENGTH = 40       # word2vec.c's limit; a Zipf vocabulary of 100k words needs ~30


@dataclass(frozen=True)
class HuffmanTree:
    codes: np.ndarray      # (V, L) int8: the turn at each step from the root, 0 past the word's length
    points: np.ndarray     # (V, L) int64: the inner node (row of w_hs) at each step, 0 past the word's length
    lengths: np.ndarray    # (V,) int64: each word's code length (>= 1)

    def mean_length(self, counts) -> float:
        """The count-weighted mean code length: the sigmoids a corpus token costs on average."""
        counts = np.asarray(counts, dtype=np.float64)
        return float((self.lengths * counts).sum() / max(counts.sum(), 1.0))


def build_tree(counts) -> HuffmanTree:
    """The tree for words with these counts (any order; ties broken by word id, as a stable sort)."""
    counts = np.asarray(counts, dtype=np.int64)
    V = len(counts)
    if V < 2:          # one word: one inner node, a code of length 1 (word2vec.c would loop; nobody trains this)
        return HuffmanTree(np.zeros((V, 1), np.int8), np.zeros((V, 1), np.int64), np.ones(V, np.int64))
    order = np.argsort(-counts, kind="stable")          # word2vec.c's vocabulary is sorted by count, descending
    weight = np.concatenate([counts[order], np.zeros(V - 1, dtype=np.int64)])   # leaves 0..V-1, inner V..2V-2
    parent = np.zeros(2 * V - 1, dtype=np.int64)
    turn = np.zeros(2 * V - 1, dtype=np.int8)
    leaf, inner = V - 1, V          # the two queues: leaves from the rarest up, inner nodes in creation order
    for a in range(V - 1):          # merge the two lightest nodes (word2vec.c's two-pointer walk, O(V))
        picked = []
        for _ in range(2):
            if leaf >= 0 and (inner >= V + a or weight[leaf] < weight[inner]):
                picked.append(leaf)
                leaf -= 1
            else:
                picked.append(inner)
                inner += 1
        weight[V + a] = weight[picked[0]] + weight[picked[1]]
        parent[picked] = V + a
        turn[picked[1]] = 1
    root = 2 * V - 2
    depth = np.zeros(2 * V - 1, dtype=np.int64)
    for node in range(root - 1, -1, -1):                 # a parent is always created after its children
        depth[node] = depth[parent[node]] + 1
    lengths = depth[:V]
    L = int(lengths.max())
    if L > MAX_CODE_LENGTH:
        raise ValueError(f"Huffman code of length {L}, above {MAX_CODE_LENGTH}")
    codes = np.zeros((V, L), dtype=np.int8)
    points = np.zeros((V, L), dtype=np.int64)
    node, rows = np.arange(V), np.arange(V)
    while len(node):                                     # from the leaves up, one level of every path at a time
        up = parent[node]
        codes[rows, depth[node] - 1] = turn[node]
        points[rows, depth[node] - 1] = up - V
        keep = up != root
        node, rows = up[keep], rows[keep]
    inv = np.empty(V, dtype=np.int64)
    inv[order] = np.arange(V)                            # back from count order to word ids
    return HuffmanTree(codes[inv], points[inv], lengths[inv].copy())


def node_counts(tree: HuffmanTree, counts) -> np.ndarray:
    """How often each inner node (row of `w_hs`) is passed: the summed counts of the words below it, (V - 1,). In
    row order the counts never decrease (nodes are made lightest first), up to the root's, every word's."""
    counts = np.asarray(counts, dtype=np.int64)
    out = np.zeros(max(len(counts) - 1, 1), dtype=np.int64)
    for step in range(tree.points.shape[1]):
        passing = tree.lengths > step
        np.add.at(out, tree.points[passing, step], counts[passing])
    return out
