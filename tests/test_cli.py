"""Every command's help, and infer / eval / export on small trained vectors, with their error paths."""
import json
import os
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from hogwild_w2v.cli import main
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.trainer import train
from hogwild_w2v.vectors import Vectors

from conftest import python_cmd


@pytest.fixture(scope="module")
def vecs(planted_dir, tmp_path_factory):
    prefix = str(tmp_path_factory.mktemp("v") / "v")
    train(planted_dir, prefix, TrainConfig(dim=16, epochs=3), quiet=True)
    return prefix + "_center.npy", os.path.join(planted_dir, "vocab.json")


@pytest.mark.parametrize("cmd", [[], ["preprocess"], ["train"], ["infer"], ["eval"], ["export"], ["demo"]])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(cmd, flag):
    r = CliRunner().invoke(main, [*cmd, flag])
    assert r.exit_code == 0 and "Usage:" in r.output and ("Example" in r.output or not cmd)


def test_version_and_module_entry():
    r = subprocess.run([*python_cmd(), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("hw2v, version")


def test_infer_similar_and_analogy(vecs):
    emb, vocab = vecs
    r = CliRunner().invoke(main, ["infer", emb, vocab, "--similar", "a0", "--top-k", "3"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert len(lines) == 3 and all(l.split()[0].startswith("a") and l.split()[0] != "a0" for l in lines)
    assert all(len(l.split()[1].split(".")[1]) == 4 for l in lines)
    r = CliRunner().invoke(main, ["infer", emb, vocab, "--analogy", "a0", "b1", "b0", "--json"])
    out = json.loads(r.output)
    assert out["query"] == "analogy" and len(out["results"]) == 10
    assert not {"a0", "b1", "b0"} & {x["word"] for x in out["results"]}
    r = CliRunner().invoke(main, ["infer", emb, vocab, "--queries", "-"], input="a1\nb0 c1 c0\n")
    assert r.exit_code == 0 and "# similar a1" in r.output and "# analogy b0 c1 c0" in r.output


@pytest.mark.parametrize("args, code, message", [
    (["--similar", "xyz"], 1, "Error: 'xyz' is not in the vocabulary"),
    (["--similar", "a00"], 1, "did you mean: a0"),
    (["--top-k", "0", "--similar", "a0"], 2, "Invalid value for '--top-k'"),
    (["--analogy", "a0", "a1"], 2, "requires 3 arguments"),
    ([], 2, "give a query"),
])
def test_infer_errors(vecs, args, code, message):
    emb, vocab = vecs
    r = CliRunner().invoke(main, ["infer", emb, vocab, *args])
    assert r.exit_code == code and message in r.output and "Traceback" not in r.output


def test_infer_rejects_bad_embeddings(vecs, tmp_path):
    emb, vocab = vecs
    np.save(tmp_path / "short.npy", np.load(emb)[:5])
    r = CliRunner().invoke(main, ["infer", str(tmp_path / "short.npy"), vocab, "--similar", "a0"])
    assert r.exit_code == 1 and "rows but the vocabulary has" in r.output
    (tmp_path / "junk.npy").write_text("not an array")
    r = CliRunner().invoke(main, ["infer", str(tmp_path / "junk.npy"), vocab, "--similar", "a0"])
    assert r.exit_code == 1 and r.output.startswith("Error:")


def test_export_round_trips_both_formats(vecs, tmp_path):
    emb, vocab = vecs
    original = Vectors.load(emb, vocab)
    for fmt in ("word2vec-text", "word2vec-binary"):
        out = str(tmp_path / fmt)
        r = CliRunner().invoke(main, ["export", emb, vocab, out, "--format", fmt])
        assert r.exit_code == 0, r.output
        back = Vectors.load(out)
        assert back.words == original.words
        np.testing.assert_allclose(back.matrix, original.matrix, atol=1e-6)
        r = CliRunner().invoke(main, ["infer", out, "--similar", "a0", "--top-k", "2"])
        assert r.exit_code == 0


def test_eval_matches_hand_computed(tmp_path):
    words = ["king", "queen", "man", "woman", "apple"]
    m = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)
    np.save(tmp_path / "e.npy", m)
    (tmp_path / "vocab.json").write_text(json.dumps({"words": words, "counts": [5, 4, 3, 2, 1]}))
    (tmp_path / "q.txt").write_text(": family\nman woman king queen\nman king woman queen\n"
                                    ": gram1\nman woman king apple\nman woman king unknown\n")
    (tmp_path / "p.tsv").write_text("# header\nking\tqueen\t8\nman\twoman\t7\nking\tapple\t1\nfoo\tbar\t3\n")
    r = CliRunner().invoke(main, ["eval", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json"), "--analogies",
                                  str(tmp_path / "q.txt"), "--pairs", str(tmp_path / "p.tsv"), "--json"])
    out = json.loads(r.output)
    a = out["analogies"]
    assert a["semantic"]["correct"] == 2 and a["semantic"]["total"] == 2     # queen, both ways round
    assert a["syntactic"]["correct"] == 0 and a["syntactic"]["total"] == 1 and a["skipped"] == 1
    p = out["pairs"][str(tmp_path / "p.tsv")]
    assert p["pairs"] == 3 and p["skipped"] == 1


def test_analogy_ranks_put_the_evaluators_answers_first(tmp_path):
    """`analogy_ranks` (scripts/analogy_ranks.py, parity.py's MRR) scores exactly the evaluator's questions: rank 0
    where the evaluator counts the answer correct, and the loser's rank by hand."""
    from hogwild_w2v.evaluate import analogy_ranks, evaluate_analogies
    words = ["king", "queen", "man", "woman", "apple"]
    m = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)
    vec = Vectors(words, m)
    (tmp_path / "q.txt").write_text(": family\nman woman king queen\nman king woman queen\n"
                                    ": gram1\nman woman king apple\nman woman king unknown\n")
    ranks = analogy_ranks(vec, tmp_path / "q.txt")
    assert list(ranks) == ["family", "gram1"]
    assert ranks["family"][1].tolist() == [0, 0] and ranks["gram1"][1].tolist() == [1]   # queen beats apple
    assert ranks["family"][0].tolist() == [[2, 3, 0, 1], [2, 0, 3, 1]]
    a = evaluate_analogies(vec, tmp_path / "q.txt")
    assert [s["correct"] for s in a["sections"]] == [int((r == 0).sum()) for _, r in ranks.values()]


def test_spearman_handles_ties():
    from hogwild_w2v.evaluate import rankdata, spearman
    assert rankdata([10, 20, 20, 30]).tolist() == [1, 2.5, 2.5, 4]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1)
    # against the textbook formula 1 - 6 sum d^2 / (n (n^2 - 1)), valid without ties: a permutation
    a, b = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]
    assert spearman(a, b) == pytest.approx(1 - 6 * 6 / (6 * 35))
    # with ties: Pearson correlation of the average ranks, computed by hand
    ra, rb = np.array([1, 2.5, 2.5, 4.0]), np.array([2, 1, 3.5, 3.5])
    want = np.corrcoef(ra, rb)[0, 1]
    assert spearman([10, 20, 20, 30], [5, 1, 9, 9]) == pytest.approx(want)


def test_pair_files_in_every_common_format_read_the_same(tmp_path):
    from hogwild_w2v.evaluate import read_pairs
    want = [("king", "queen", 8.0), ("man", "woman", 7.5), ("king", "apple", 1.0)]
    files = {
        "ws.tsv": "# The WordSimilarity-353 Test Collection\n# Word 1\tWord 2\tHuman (mean)\n"
                  "king\tqueen\t8\nman\twoman\t7.5\nking\tapple\t1\n",
        "combined.csv": "Word 1,Word 2,Human (mean)\nking,queen,8\nman,woman,7.50\nking,apple,1\n",
        "SimLex-999.txt": "word1\tword2\tPOS\tSimLex999\tconc(w1)\nking\tqueen\tN\t8\t4.5\n"
                          "man\twoman\tN\t7.5\t4.6\nking\tapple\tN\t1.00\t4.9\n",
        "men.txt": "king queen 8\n\nman woman 7.5\nking apple 1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        assert read_pairs(str(tmp_path / name)) == want, name


@pytest.mark.parametrize("text, where", [("king\tqueen\t8\nman\twoman\tlots\n", "line 2"),
                                         ("a,b,1\nc,d\n", "line 2"), ("# only a comment\n", "no word pairs")])
def test_an_unreadable_pair_file_is_a_one_line_error_naming_the_line(tmp_path, text, where):
    (tmp_path / "p.txt").write_text(text)
    np.save(tmp_path / "e.npy", np.eye(4, dtype=np.float32))
    (tmp_path / "vocab.json").write_text(json.dumps({"words": ["king", "queen", "man", "woman"], "counts": [4, 3, 2, 1]}))
    r = CliRunner().invoke(main, ["eval", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json"), "--pairs",
                                  str(tmp_path / "p.txt")])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith("Error: ") and where in r.output


def test_eval_without_files_uses_the_bundled_sets(tmp_path):
    from hogwild_w2v.evaluate import BUNDLED, read_pairs
    words = sorted({w for a, b, _ in read_pairs(BUNDLED["pairs"]) for w in (a, b)})
    rng = np.random.default_rng(0)
    np.save(tmp_path / "e.npy", rng.normal(size=(len(words), 8)).astype(np.float32))
    (tmp_path / "vocab.json").write_text(json.dumps({"words": words, "counts": [1] * len(words)}))
    r = CliRunner().invoke(main, ["eval", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json")])
    assert r.exit_code == 0, r.output
    assert "capital-common-countries" in r.output and "total" in r.output
    assert "wordsim353.tsv: Spearman rho" in r.output and "over 353 pairs" in r.output


def test_export_tsv_round_trips_for_the_projector(tmp_path):
    words = ["king", "queen", "man", "woman"]
    m = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    np.save(tmp_path / "e.npy", m)
    (tmp_path / "vocab.json").write_text(json.dumps({"words": words, "counts": [4, 3, 2, 1]}))
    out = tmp_path / "proj"
    r = CliRunner().invoke(main, ["export", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json"), str(out),
                                  "--format", "tsv"])
    assert r.exit_code == 0, r.output
    back = np.loadtxt(out / "vectors.tsv", delimiter="\t", dtype=np.float32)
    assert back.shape == (4, 5) and np.allclose(back, m, rtol=1e-5, atol=1e-6)
    assert (out / "metadata.tsv").read_text().splitlines() == words
    r = CliRunner().invoke(main, ["export", str(tmp_path / "e.npy"), str(tmp_path / "vocab.json"), str(out),
                                  "--format", "tsv", "--limit", "2"])
    assert np.loadtxt(out / "vectors.tsv", delimiter="\t").shape == (2, 5)
    assert (out / "metadata.tsv").read_text().splitlines() == words[:2]


def test_more_workers_than_cores_warns_on_stderr(tmp_path, monkeypatch, capsys):
    from hogwild_w2v.cli import train as train_cli
    from hogwild_w2v.config import TrainConfig
    monkeypatch.setattr(train_cli, "default_workers", lambda: 1)
    monkeypatch.setattr(train_cli, "run_train", lambda *a, **k: {"epochs_done": 1.0, "words_per_s": 1.0})
    train_cli.train_and_report("d", str(tmp_path / "v"), TrainConfig(workers=2), quiet=True)
    assert "Warning: --workers 2 is more than the 1 physical cores" in capsys.readouterr().err
    train_cli.train_and_report("d", str(tmp_path / "v"), TrainConfig(workers=1), quiet=True)
    assert "Warning" not in capsys.readouterr().err
