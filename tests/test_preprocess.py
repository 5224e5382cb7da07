"""Tokeniser, WikiText, vocabulary order and pruning, round trip, atomic output, bad input via the CLI."""
import gzip
import json
import os
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from hogwild_w2v.cli import main
from hogwild_w2v.preprocess import build_vocab, preprocess, split_long
from hogwild_w2v.text import clean_wikitext, tokenize


def test_tokenize_normalised_text_is_identity():
    line = "the 3 quick brown foxes don t jump 1999"
    assert tokenize(line) == line.split()


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("Hello, World! It's well-known.") == ["hello", "world", "it", "s", "well", "known"]
    assert tokenize("Café Über", keep_case=True) == ["Café", "Über"]


def test_wikitext_conventions():
    text = " = Valkyria Chronicles = \n the 1 @,@ 000 well @-@ known <unk> games , 3 @.@ 5 \n = = Plot = = \n"
    cleaned = clean_wikitext(text)
    assert "Valkyria" not in cleaned and "Plot" not in cleaned
    assert tokenize(cleaned) == ["the", "1000", "well", "known", "games", "3", "5"]


def test_vocab_order_ties_and_pruning():
    words, counts = build_vocab({"b": 3, "a": 3, "c": 9, "rare": 1}, min_count=2)
    assert words == ["c", "a", "b"] and counts == [9, 3, 3]
    assert build_vocab({"b": 3, "a": 3, "c": 9}, min_count=1, max_vocab=2)[0] == ["c", "a"]


def test_split_long():
    assert split_long(np.array([5, 25, 10]), limit=10).tolist() == [5, 10, 10, 5, 10]


def test_round_trip_gz_and_plain(tmp_path):
    lines = ["the cat sat on the mat", "zzz", "the dog sat", "", "a cat and a dog and the end"]
    plain = tmp_path / "a.txt"
    plain.write_text("\n".join(lines[:3]) + "\n")
    gz = tmp_path / "b.txt.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write("\n".join(lines[3:]) + "\n")
    meta = preprocess([str(plain), str(gz)], str(tmp_path / "d"), min_count=2)
    vocab = json.loads((tmp_path / "d" / "vocab.json").read_text())
    words = vocab["words"]
    corpus = np.fromfile(tmp_path / "d" / "corpus.bin", dtype="<i4")
    offsets = np.load(tmp_path / "d" / "offsets.npy")
    assert offsets[0] == 0 and offsets[-1] == len(corpus) and offsets.dtype == np.int64
    decoded = [[words[i] for i in corpus[a:b]] for a, b in zip(offsets[:-1], offsets[1:])]
    keep = set(words)
    expected = [[w for w in line.split() if w in keep] for line in lines]
    assert decoded == [s for s in expected if s]
    assert meta["dropped_oov_tokens"] == sum(len(l.split()) for l in lines) - len(corpus)
    assert vocab["counts"] == sorted(vocab["counts"], reverse=True)


def test_undecodable_bytes_are_replaced_and_counted(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes(b"good words good words\nbad \xff\xfe bytes good\n")
    meta = preprocess([str(src)], str(tmp_path / "d"), min_count=1)
    assert meta["replaced_chars"] == 2


def test_existing_dir_is_not_overwritten_without_force(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("a b c a b c\n")
    preprocess([str(src)], str(tmp_path / "d"), min_count=1)
    before = (tmp_path / "d" / "vocab.json").read_text()
    src.write_text("x y z x y z\n")
    r = CliRunner().invoke(main, ["preprocess", str(src), "--data-dir", str(tmp_path / "d"), "--min-count", "1"])
    assert r.exit_code == 1 and "already exists" in r.output and "--force" in r.output
    assert (tmp_path / "d" / "vocab.json").read_text() == before
    r = CliRunner().invoke(main, ["preprocess", str(src), "--data-dir", str(tmp_path / "d"), "--min-count", "1",
                                  "--force", "-q"])
    assert r.exit_code == 0, r.output
    assert "x" in (tmp_path / "d" / "vocab.json").read_text()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".hw2v")]


@pytest.mark.parametrize("setup, args, code, message", [
    (None, ["missing.txt"], 1, "input file 'missing.txt' does not exist"),
    ("dir", ["DIR"], 1, "is a directory"),
    ("empty", ["EMPTY"], 1, "the input holds no words"),
    ("rare", ["RARE"], 1, "no word occurs at least 5 times"),
    ("ok", ["OK", "--data-dir-is-file"], 1, "is a file, not a directory"),
    ("ok", ["OK", "--min-count", "-1"], 2, "Invalid value for '--min-count'"),
    ("ok", ["OK", "--min-count", "0"], 2, "0 is not in the range x>=1"),
])
def test_bad_input_gives_one_line_error(tmp_path, setup, args, code, message):
    (tmp_path / "DIR").mkdir()
    (tmp_path / "EMPTY").write_text("")
    (tmp_path / "RARE").write_text("just some words once\n")
    (tmp_path / "OK").write_text("a b a b a b a b a b\n")
    (tmp_path / "FILE").write_text("x")
    data_dir = str(tmp_path / "out")
    argv = []
    for a in args:
        if a == "--data-dir-is-file":
            data_dir = str(tmp_path / "FILE")
        else:
            argv.append(str(tmp_path / a) if a in ("DIR", "EMPTY", "RARE", "OK") else a)
    r = CliRunner().invoke(main, ["preprocess", *argv, "--data-dir", data_dir])
    assert r.exit_code == code, r.output
    assert message in r.output
    assert "Traceback" not in r.output
    assert [l for l in r.output.splitlines() if l.startswith("Error")] and len(
        [l for l in r.output.splitlines() if l.startswith("Error")]) == 1
    assert not os.path.exists(tmp_path / "out")


def test_bench_corpus_is_its_own_tokens():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpora", "bench.txt.gz")
    if not os.path.exists(path):
        pytest.skip("shared bench corpus not present")
    from hogwild_w2v.text import block_tokens
    with gzip.open(path, "rb") as fh:
        block = b"".join(line for _, line in zip(range(2000), fh))
    toks, _ = block_tokens(block, False, False, with_newlines=False)
    assert toks == block.split()                       # the fast path preprocessing takes on this corpus
    assert tokenize(block.decode()) == block.decode().split()


def test_ascii_fast_path_tokenises_like_the_regex():
    from hogwild_w2v.text import LINE_TOKEN_RE, MARK, block_tokens
    text = "Hello, World!  it's 3.5 well-known_snake\tTabs\r\nA\x00B  \n\n__init__ x2y 99 bottles\nno-newline-end"
    for keep_case in (False, True):
        fast, replaced = block_tokens(text.encode("ascii"), False, keep_case, with_newlines=True)
        assert isinstance(fast[0], bytes) and replaced == 0
        slow = LINE_TOKEN_RE.findall((text if keep_case else text.lower()) + "\n")
        assert [t.decode() if t != MARK else "\n" for t in fast] == slow
    mixed, _ = block_tokens("Café x\n".encode(), False, False, with_newlines=True)
    assert mixed == ["café", "x", "\n"]


def test_ascii_and_unicode_inputs_count_the_same_word_once(tmp_path):
    (tmp_path / "a.txt").write_text("cat dog cat\n")
    (tmp_path / "b.txt").write_text("café cat\n", encoding="utf-8")
    preprocess([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], str(tmp_path / "d"), min_count=1)
    vocab = json.loads((tmp_path / "d" / "vocab.json").read_text())
    assert dict(zip(vocab["words"], vocab["counts"])) == {"cat": 3, "café": 1, "dog": 1}


def test_val_input_uses_the_training_vocabulary(tmp_path):
    (tmp_path / "train.txt").write_text("a b a b c\n" * 5)
    (tmp_path / "val.txt").write_text("a zzz b\nzzz\nc a\n")
    meta = preprocess([str(tmp_path / "train.txt")], str(tmp_path / "d"), min_count=2,
                      val_input=str(tmp_path / "val.txt"))
    words = json.loads((tmp_path / "d" / "vocab.json").read_text())["words"]
    assert "zzz" not in words
    corpus = np.fromfile(tmp_path / "d" / "val_corpus.bin", dtype="<i4")
    offsets = np.load(tmp_path / "d" / "val_offsets.npy")
    decoded = [[words[i] for i in corpus[a:b]] for a, b in zip(offsets[:-1], offsets[1:])]
    assert decoded == [["a", "b"], ["c", "a"]]
    assert meta["val"]["dropped_oov_tokens"] == 2 and meta["tokens"] == 25


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_gzip_is_a_one_line_error(tmp_path, damage):
    data = gzip.compress(("word " * 50000 + "\n").encode() * 20)
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data = data[:40] + bytes(b ^ 0xFF for b in data[40:200]) + data[200:]
    (tmp_path / "bad.txt.gz").write_bytes(data)
    r = CliRunner().invoke(main, ["preprocess", str(tmp_path / "bad.txt.gz"), "--data-dir", str(tmp_path / "d"),
                                  "-q"])
    assert r.exit_code == 1 and r.output.startswith("Error: cannot read input"), r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert not os.path.exists(tmp_path / "d")
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".hw2v")]


def test_a_newline_free_input_is_read_in_bounded_blocks_and_keeps_every_token(tmp_path, monkeypatch):
    """text8 is a single 100 MB line: it must be cut between words while it is read, not held whole."""
    from hogwild_w2v import text
    from hogwild_w2v.data import open_data
    monkeypatch.setattr(text, "BLOCK_BYTES", 256)
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.integers(0, 50, size=20_000)]
    (tmp_path / "one.txt").write_text(" ".join(words))                      # no line end at all
    seen = []
    real = text.block_tokens
    module = sys.modules["hogwild_w2v.preprocess"]       # (the package's `preprocess` attribute is the function)
    monkeypatch.setattr(module, "block_tokens", lambda raw, *a, **k: (seen.append(len(raw)), real(raw, *a, **k))[1])
    preprocess([str(tmp_path / "one.txt")], str(tmp_path / "d"), min_count=1)
    assert max(seen) <= 3 * 256                                              # never the whole line at once
    data = open_data(str(tmp_path / "d"))
    assert [data.words[i] for i in np.asarray(data.corpus)] == words         # every token, in order
