"""CBOW and hierarchical softmax: the Huffman tree, the kernels against finite differences and slow per-word loops."""
import heapq
import os

import numpy as np
import pytest

from conftest import finite_difference_grad
from hogwild_w2v import hs as hs_kernel, models
from hogwild_w2v.batching import make_batch, negative_cdf
from hogwild_w2v.cbow import cbow_loss, cbow_step
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.errors import HW2VError
from hogwild_w2v.hs import input_curvatures, sg_hs_loss, sg_hs_step
from hogwild_w2v.huffman import MAX_CODE_LENGTH, build_tree

sig = lambda z: 1.0 / (1.0 + np.exp(-z))


# ---- the Huffman tree --------------------------------------------------------------------------------
def codes_of(tree):
    return ["".join(map(str, tree.codes[w, :tree.lengths[w]])) for w in range(len(tree.lengths))]


def optimal_cost(counts):
    """The weighted code length of any optimal prefix code (every Huffman tree has it), by a textbook heap."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    return cost


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_huffman_codes_are_prefix_free_and_optimal(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 1000, size=200)
    tree = build_tree(counts)
    codes = codes_of(tree)
    assert len(set(codes)) == len(codes)
    for a in codes:                           # no code is the start of another
        assert not any(b != a and b.startswith(a) for b in codes)
    assert int((tree.lengths * counts).sum()) == optimal_cost(counts)
    # a more frequent word never has a longer code
    order = np.argsort(-counts, kind="stable")
    assert np.all(np.diff(tree.lengths[order]) >= 0)


def test_huffman_paths_start_at_the_root_and_name_inner_nodes():
    counts = np.array([50, 30, 10, 5, 5, 1])
    tree = build_tree(counts)
    V = len(counts)
    assert np.all(tree.points[:, 0] == V - 2)                         # word2vec.c: the root is node V - 2
    for w in range(V):
        assert np.all((tree.points[w, :tree.lengths[w]] >= 0) & (tree.points[w, :tree.lengths[w]] <= V - 2))
    # two words share the inner nodes of their common prefix, and split where their codes differ
    for a in range(V):
        for b in range(V):
            k = 0
            while k < min(tree.lengths[a], tree.lengths[b]) and tree.codes[a, k] == tree.codes[b, k]:
                assert tree.points[a, k] == tree.points[b, k]
                k += 1
            if k < min(tree.lengths[a], tree.lengths[b]):
                assert tree.points[a, k] == tree.points[b, k]                 # the node where they part


def test_huffman_on_a_zipf_vocabulary_of_100k_words():
    counts = np.maximum((1e7 / np.arange(1, 100_001)).astype(np.int64), 1)
    tree = build_tree(counts)
    assert tree.lengths.max() <= MAX_CODE_LENGTH
    assert tree.lengths[0] <= 5 and tree.lengths.max() >= 17
    assert int((tree.lengths * counts).sum()) == optimal_cost(counts)


# ---- kernels: slow per-word references -----------------------------------------------------------------
def small_batch(seed=0, V=30, n=160, window=3, group=4, kb=5, model="sg", negative=5):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 100, size=V)
    tokens = rng.integers(0, V, size=n)
    sent = np.repeat(np.arange(10), n // 10).astype(np.int32)
    batch = make_batch(tokens, sent, None, negative_cdf(counts), rng, window=window, negative=negative,
                       group=group, shared_negatives=kb, model=model)
    return batch, counts


def matrices(seed, V, d=8, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [(rng.random((rows, d)) - 0.5).astype(dtype) for rows in (V, V, V - 1)]


def contexts(batch, b, g):
    return [batch.out_ids[b, c] for c in np.flatnonzero(batch.pos_mask[b, g])]


def reference_cbow(w_in, w_out, w_hs, batch, tree, lr, mean):
    """word2vec.c's CBOW loop, one center at a time, every gradient taken at the batch's starting parameters."""
    d_in, d_out = np.zeros_like(w_in), None if w_out is None else np.zeros_like(w_out)
    d_hs = None if w_hs is None else np.zeros_like(w_hs)
    nb, G = batch.in_ids.shape
    for b in range(nb):
        for g in range(G):
            ctx = contexts(batch, b, g)
            if not ctx:
                continue
            c = batch.in_ids[b, g]
            hid = w_in[ctx].sum(axis=0) / (len(ctx) if mean else 1)
            e = np.zeros_like(hid)
            if w_out is not None:
                targets = [(c, 1.0, 1.0)] + [(t, 0.0, batch.neg_weight[b, g]) for t in batch.out_ids[b, batch.span:]]
                for t, label, weight in targets:
                    coef = lr * weight * (label - sig(hid @ w_out[t]))
                    e += coef * w_out[t]
                    d_out[t] += coef * hid
            if w_hs is not None:
                for k in range(tree.lengths[c]):
                    node, label = tree.points[c, k], 1 - tree.codes[c, k]
                    coef = lr * (label - sig(hid @ w_hs[node]))
                    e += coef * w_hs[node]
                    d_hs[node] += coef * hid
            for w in ctx:                       # undivided for the mean, as word2vec.c; gensim divides the sum's
                d_in[w] += e if mean else e / len(ctx)
    return [m if m is None else m + d for m, d in ((w_in, d_in), (w_out, d_out), (w_hs, d_hs))]


def reference_sg_hs(w_in, w_hs, batch, tree, lr):
    """word2vec.c's skip-gram HS loop: each context's input vector predicts the center's path."""
    d_in, d_hs = np.zeros_like(w_in), np.zeros_like(w_hs)
    nb, G = batch.in_ids.shape
    for b in range(nb):
        for g in range(G):
            c = batch.in_ids[b, g]
            for w in contexts(batch, b, g):
                for k in range(tree.lengths[c]):
                    node, label = tree.points[c, k], 1 - tree.codes[c, k]
                    coef = lr * (label - sig(w_in[w] @ w_hs[node]))
                    d_in[w] += coef * w_hs[node]
                    d_hs[node] += coef * w_in[w]
    return w_in + d_in, w_hs + d_hs


@pytest.mark.parametrize("ns,hs,mean", [(True, False, True), (False, True, True), (True, True, False),
                                         (True, False, False)])
def test_cbow_kernel_matches_word2vec_c_loop(ns, hs, mean):
    batch, counts = small_batch(1, model="cbow")
    tree = build_tree(counts)
    w_in, w_out, w_hs = matrices(2, len(counts))
    w_out, w_hs = (w_out if ns else None), (w_hs if hs else None)
    want = reference_cbow(*(m if m is None else m.astype(np.float64) for m in (w_in, w_out, w_hs)), batch, tree,
                          0.05, mean)
    loss, centers = cbow_step(w_in, w_out, w_hs, batch, 0.05, tree=tree, mean=mean, damping=False)
    for got, ref in zip((w_in, w_out, w_hs), want):
        if got is not None:
            np.testing.assert_allclose(got, ref, atol=2e-6)
    assert centers == sum(bool(contexts(batch, b, g)) for b in range(batch.in_ids.shape[0])
                          for g in range(batch.in_ids.shape[1]))


def test_sg_hs_kernel_matches_word2vec_c_loop():
    batch, counts = small_batch(3, negative=0, kb=0)
    tree = build_tree(counts)
    w_in, _, w_hs = matrices(4, len(counts))
    want_in, want_hs = reference_sg_hs(w_in.astype(np.float64), w_hs.astype(np.float64), batch, tree, 0.05)
    sg_hs_step(w_in, w_hs, batch, 0.05, tree, damping=False)
    np.testing.assert_allclose(w_in, want_in, atol=2e-6)
    np.testing.assert_allclose(w_hs, want_hs, atol=2e-6)


# ---- kernels: finite differences -------------------------------------------------------------------------
def test_cbow_output_updates_are_minus_lr_times_the_finite_difference_gradient():
    batch, counts = small_batch(5, V=12, n=60, model="cbow")
    tree = build_tree(counts)
    w_in, w_out, w_hs = matrices(6, len(counts), d=5, dtype=np.float64)
    lr = 1e-3
    for mean in (False, True):
        new = [m.copy() for m in (w_in, w_out, w_hs)]
        cbow_step(*new, batch, lr, tree=tree, mean=mean, want_loss=False, damping=False)
        loss = lambda: cbow_loss(w_in, w_out, w_hs, batch, tree=tree, mean=mean)
        assert cbow_step(*[m.copy() for m in (w_in, w_out, w_hs)], batch, 0.0, tree=tree, mean=mean)[0] == \
            pytest.approx(loss())
        for k in (1, 2):            # the input side follows word2vec.c / gensim (the per-word loop checks it)
            grad = finite_difference_grad(loss, (w_in, w_out, w_hs)[k])
            np.testing.assert_allclose((new[k] - (w_in, w_out, w_hs)[k]) / -lr, grad, rtol=1e-5, atol=1e-7)


def test_sg_hs_update_is_minus_lr_times_the_finite_difference_gradient():
    batch, counts = small_batch(7, V=12, n=60, negative=0, kb=0)
    tree = build_tree(counts)
    w_in, _, w_hs = matrices(8, len(counts), d=5, dtype=np.float64)
    lr = 1e-3
    new_in, new_hs = w_in.copy(), w_hs.copy()
    loss, _ = sg_hs_step(new_in, new_hs, batch, lr, tree, damping=False)
    assert loss == pytest.approx(sg_hs_loss(w_in, w_hs, batch, tree))
    for mat, new in ((w_in, new_in), (w_hs, new_hs)):
        grad = finite_difference_grad(lambda: sg_hs_loss(w_in, w_hs, batch, tree), mat)
        np.testing.assert_allclose((new - mat) / -lr, grad, rtol=1e-5, atol=1e-7)


# ---- damping on the new kernels --------------------------------------------------------------------------
@pytest.mark.parametrize("model,hs", [("cbow", False), ("cbow", True), ("sg", True)])
def test_damping_leaves_small_steps_alone_and_tames_huge_ones(model, hs):
    cfg = TrainConfig(model=model, hs=hs, negative=0 if (hs and model == "sg") else 5)
    batch, counts = small_batch(9, model=model, negative=cfg.negative, kb=cfg.negatives_per_block and 5)
    tree = models.tree_for(cfg, counts)
    mats = dict(zip(("w_in", "w_out", "w_hs"), matrices(10, len(counts))))
    mats = {k: v for k, v in mats.items() if k in models.matrix_shapes(cfg, len(counts))}
    plain, damped = ({k: v.copy() for k, v in mats.items()} for _ in range(2))
    models.step(TrainConfig(**{**cfg.to_dict(), "damping": False}), plain, batch, 1e-3, tree)
    models.step(cfg, damped, batch, 1e-3, tree)
    for k in mats:
        np.testing.assert_allclose(damped[k], plain[k], atol=1e-7)
    # at an absurd rate plain SGD explodes; the damped step keeps every score within the trust region
    big = {k: v * 20 for k, v in mats.items()}
    models.step(cfg, big, batch, 50.0, tree)
    assert all(np.all(np.isfinite(v)) and np.abs(v).max() < 1e3 for v in big.values())


def test_hs_input_curvatures_are_the_rayleigh_quotients_along_each_step():
    """Each span entry's curvature along its own step, against the Hessian of its terms built one by one."""
    rng = np.random.default_rng(3)
    nb, G, L, J, d = 2, 3, 4, 5, 6
    h = rng.random((nb, G, L, J)).astype(np.float32)
    yh = rng.normal(size=(nb, G, L, d)).astype(np.float32)
    dx = rng.normal(size=(nb, G + J - 1, d)).astype(np.float32)
    got = input_curvatures(h, yh, dx)
    for b in range(nb):
        for p in range(G + J - 1):
            H = sum(h[b, g, l, p - g] * np.outer(yh[b, g, l], yh[b, g, l])
                    for g in range(G) for l in range(L) if 0 <= p - g < J)     # center g's window holds p
            u = dx[b, p] / np.linalg.norm(dx[b, p])
            assert got[b, p] == pytest.approx(u @ H @ u, rel=1e-4)


def test_hs_input_rows_are_damped_on_their_curvature_not_its_trace():
    """At a rate where some input row's trace total passes 1 but no row would go past its minimum along its own
    step, the damped step of the input rows is the plain SGD step (the trace alone would have cut it)."""
    batch, counts = small_batch(7, V=12, n=60, negative=0, kb=0)
    tree = build_tree(counts)
    w_in, _, w_hs = matrices(8, len(counts), d=16)
    x, xw, nodes, yh, s, valid, label = hs_kernel._forward(w_in, w_hs, batch, tree)
    sig = 1.0 / (1.0 + np.exp(-s))
    h = valid * sig * (1.0 - sig)
    span_ids = batch.out_ids[:, :batch.span]
    dx = hs_kernel._to_span(np.matmul((valid * (label - sig)).transpose(0, 1, 3, 2), yh))     # the step at lr 1
    trace = hs_kernel._to_span(np.einsum("bglj,bgl->bgj", h, (yh * yh).sum(-1))[..., None])[..., 0]
    row_max = lambda a: max(a[span_ids == w].sum() for w in np.unique(span_ids))
    trace_max, exact_max = row_max(trace), row_max(input_curvatures(h, yh, dx))
    lr = 2.0 / (trace_max + exact_max)                                   # between the two bounds' limits
    assert trace_max * lr > 1.0 > exact_max * lr
    plain_in, plain_hs, damped_in, damped_hs = w_in.copy(), w_hs.copy(), w_in.copy(), w_hs.copy()
    sg_hs_step(plain_in, plain_hs, batch, lr, tree, damping=False)
    sg_hs_step(damped_in, damped_hs, batch, lr, tree)
    np.testing.assert_allclose(damped_in, plain_in, atol=1e-6)


# ---- the model as a config value -----------------------------------------------------------------------------
def test_matrix_shapes_and_start_loss_follow_the_model():
    counts = np.array([40, 20, 10, 5, 5])
    assert set(models.matrix_shapes(TrainConfig(), 5)) == {"w_in", "w_out"}
    assert models.matrix_shapes(TrainConfig(hs=True, negative=0), 5) == {"w_in": (5, 100), "w_hs": (4, 100)}
    assert set(models.matrix_shapes(TrainConfig(model="cbow", hs=True), 5)) == {"w_in", "w_out", "w_hs"}
    assert models.start_loss(TrainConfig(negative=5), counts) == pytest.approx(6 * np.log(2))
    tree = build_tree(counts)
    assert models.start_loss(TrainConfig(negative=0, hs=True, sample=0), counts) == pytest.approx(
        np.log(2) * (tree.lengths * counts).sum() / counts.sum())
    # subsampling keeps the rare words, whose codes are longer
    assert models.start_loss(TrainConfig(negative=0, hs=True), counts) > models.start_loss(
        TrainConfig(negative=0, hs=True, sample=0), counts)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(negative=0), "--negative 0 needs --hs"),
    (dict(model="bow"), "unknown --model 'bow'"),
    (dict(cbow_mean=False), "--cbow-sum only applies to --model cbow"),
    (dict(model="cbow", direction="context"), "--direction context is for skip-gram with negative sampling alone"),
    (dict(hs=True, direction="context"), "--direction context is for skip-gram with negative sampling alone"),
    (dict(direction="centre"), "direction must be auto, center or context"),
])
def test_contradictory_model_settings_are_one_line_errors(kwargs, needle):
    with pytest.raises(HW2VError, match=needle):
        TrainConfig(**kwargs).validate()


# ---- training runs ------------------------------------------------------------------------------------------
MODELS = [dict(model="cbow"), dict(hs=True, negative=0), dict(model="cbow", hs=True, negative=0), dict(hs=True)]


@pytest.mark.parametrize("kwargs", MODELS + [dict(model="cbow", cbow_mean=False)])
def test_every_model_learns_the_topics_at_high_rates_with_two_workers(zipf_dir, tmp_path, kwargs):
    """window 10 / negative 15 and lr 0.1 (CBOW; 0.05 skip-gram, word2vec.c's defaults are 0.05 and 0.025): the
    settings that blew up the stale batched sums of the first skip-gram kernel (issue 15)."""
    from hogwild_w2v.data import open_data
    from hogwild_w2v.trainer import train
    from conftest import topic_score
    lr = 0.1 if kwargs.get("model") == "cbow" else 0.05
    cfg = TrainConfig(**{**dict(dim=32, window=10, negative=15, epochs=3, workers=2, seed=1, lr=lr), **kwargs})
    info = train(zipf_dir, str(tmp_path / "v"), cfg, quiet=True)
    assert info["final_train_loss"] < models.start_loss(cfg, open_data(zipf_dir).counts)
    assert topic_score(np.load(tmp_path / "v_center.npy"), open_data(zipf_dir).words) > 0.9


@pytest.mark.parametrize("kwargs", MODELS)
def test_a_stopped_and_resumed_run_is_bit_identical(planted_dir, tmp_path, kwargs):
    import threading
    import signal
    from hogwild_w2v.trainer import Coordinator, Interrupted, train
    cfg = TrainConfig(**{**dict(dim=16, epochs=60, workers=1, seed=4), **kwargs})
    ref = str(tmp_path / "ref")
    train(planted_dir, ref, cfg, quiet=True, checkpoint_every=1000)
    run = str(tmp_path / "run")
    coord = Coordinator(planted_dir, run, cfg, quiet=True, checkpoint_every=1000)
    threading.Timer(0.5, lambda: setattr(coord, "stop_signal", signal.SIGTERM)).start()
    with pytest.raises(Interrupted):
        coord.run()
    info = train(planted_dir, run, cfg, quiet=True, resume=True)
    assert info["resumed_from_step"] is not None
    names = [os.path.basename(p)[len("run"):] for p in info["outputs"] if p.endswith(".npy")]
    assert ("_hs.npy" in names) == cfg.hs and ("_context.npy" in names) == (cfg.negative > 0)
    for name in names:
        assert np.array_equal(np.load(ref + name), np.load(run + name)), name


def test_resume_with_another_model_names_both(planted_dir, tmp_path):
    from hogwild_w2v.trainer import train
    prefix = str(tmp_path / "v")
    train(planted_dir, prefix, TrainConfig(dim=8, epochs=1, workers=1), quiet=True)
    with pytest.raises(HW2VError, match="cannot resume: model was sg in the checkpoint, now cbow"):
        train(planted_dir, prefix, TrainConfig(dim=8, epochs=2, workers=1, model="cbow"), quiet=True, resume=True)
    with pytest.raises(HW2VError, match="cannot resume: hs was False in the checkpoint, now True"):
        train(planted_dir, prefix, TrainConfig(dim=8, epochs=2, workers=1, hs=True), quiet=True, resume=True)


def test_cli_trains_each_model_and_refuses_contradictions(planted_dir, tmp_path):
    from click.testing import CliRunner
    from hogwild_w2v.cli import main
    prefix = str(tmp_path / "v")
    base = ["train", "--data-dir", planted_dir, "--embeddings", prefix, "--dim", "8", "--epochs", "1",
            "--workers", "1"]
    r = CliRunner().invoke(main, base + ["--model", "cbow", "--hs"])
    assert r.exit_code == 0, r.output
    assert "wrote v_center.npy, v_context.npy, v_combined.npy, v_hs.npy, v_config.json" in r.output
    r = CliRunner().invoke(main, base + ["--hs", "--negative", "0", "--force"])
    assert r.exit_code == 0, r.output
    assert os.path.exists(prefix + "_hs.npy") and not os.path.exists(prefix + "_context.npy")   # one run's files
    r = CliRunner().invoke(main, base + ["--hs", "--negative", "0", "--model", "cbow", "--resume"])
    assert r.exit_code == 1 and r.output.strip() == "Error: cannot resume: --model was sg in the checkpoint, now cbow"
    for args, needle in [(["--negative", "0"], "--negative 0 needs --hs"),
                         (["--cbow-mean"], "--cbow-mean/--cbow-sum only apply to --model cbow"),
                         (["--model", "bow"], "'bow' is not one of 'sg', 'cbow'")]:
        r = CliRunner().invoke(main, base + args + ["--force"])
        assert r.exit_code == 2 and needle in r.output and "Traceback" not in r.output, r.output
    help_text = CliRunner().invoke(main, ["train", "--help"]).output
    assert "--model [sg|cbow]" in help_text and "--hs" in help_text and "--cbow-mean / --cbow-sum" in help_text
