"""The exact reference trainer (scripts/reference.py): word2vec.c's per-pair loop, checked against calculus."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from reference import pair_update, sigmoid, train_reference  # noqa: E402

from conftest import finite_difference_grad  # noqa: E402


def pair_loss(syn0, syn1neg, context, targets, labels):
    f = syn1neg[targets] @ syn0[context]
    return float(np.logaddexp(0.0, np.where(labels > 0, -f, f)).sum())


def test_pair_update_is_minus_alpha_times_the_finite_difference_gradient():
    rng = np.random.default_rng(0)
    syn0, syn1neg = rng.normal(0, 0.5, (6, 4)), rng.normal(0, 0.5, (6, 4))
    targets, labels, alpha = np.array([2, 0, 4, 5]), np.array([1.0, 0, 0, 0]), 1e-4
    new0, new1 = syn0.copy(), syn1neg.copy()
    loss = pair_update(new0, new1, 3, targets, labels, alpha)
    assert loss == pytest.approx(pair_loss(syn0, syn1neg, 3, targets, labels))
    for mat, new in ((syn0, new0), (syn1neg, new1)):
        grad = finite_difference_grad(lambda: pair_loss(syn0, syn1neg, 3, targets, labels), mat)
        # word2vec.c updates syn1neg row by row, so the step is the gradient only to first order in alpha
        np.testing.assert_allclose((new - mat) / -alpha, grad, rtol=1e-3, atol=1e-6)


def test_a_negative_drawn_twice_sees_its_first_update_as_in_word2vec_c():
    rng = np.random.default_rng(1)
    syn0, syn1neg = rng.normal(0, 0.5, (5, 3)), rng.normal(0, 0.5, (5, 3))
    targets, labels, alpha = np.array([1, 4, 4]), np.array([1.0, 0, 0]), 0.3
    want0, want1 = syn0.copy(), syn1neg.copy()
    l1, neu1e = want0[2].copy(), np.zeros(3)
    for t, label in zip(targets, labels):          # word2vec.c's inner loop, literally
        g = (label - sigmoid(want1[t] @ l1)) * alpha
        neu1e += g * want1[t]
        want1[t] += g * l1
    want0[2] += neu1e
    pair_update(syn0, syn1neg, 2, targets, labels, alpha)
    np.testing.assert_allclose(syn0, want0)
    np.testing.assert_allclose(syn1neg, want1)


def test_reference_learns_planted_topics_and_is_seeded(planted_dir):
    from hogwild_w2v.data import open_data
    from conftest import topic_score
    data = open_data(planted_dir)
    runs = [train_reference(data.corpus, np.asarray(data.offsets), data.counts, dim=16, epochs=1, seed=s)
            for s in (3, 3, 4)]
    assert np.array_equal(runs[0][0], runs[1][0]) and not np.array_equal(runs[0][0], runs[2][0])
    words = ["t" + w[0] + "w" + w[1:] for w in data.words]      # "a3" -> "taw3": topic "ta"
    assert topic_score(runs[0][0], words, top_k=5) > 0.9
