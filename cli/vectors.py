"""Using trained vectors: `hw2v infer`, `hw2v eval`, `hw2v export`, `hw2v plot`."""
from __future__ import annotations

import json
import os

import click

from hogwild_w2v.vectors import Vectors

from . import POSITIVE, err, library_errors, main


# ---- infer ------------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("emb", type=click.Path())
@click.argument("vocab", required=False, type=click.Path())
@click.option("--similar", "similar", multiple=True, help="Nearest neighbours of WORD (repeatable).")
@click.option("--analogy", nargs=3, multiple=True, help="A B C: words closest to A + B - C.")
@click.option("--queries", type=click.File("r"),
              help="File (or - for stdin) of queries: one word (similar) or three (analogy) a line.")
@click.option("--top-k", default=10, type=POSITIVE)
@click.option("--method", type=click.Choice(["3cosadd", "3cosmul"]), default="3cosadd", help="Analogy scoring.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
@library_errors
def infer(emb, vocab, similar, analogy, queries, top_k, method, as_json):
    """Nearest neighbours and analogies from trained vectors (.npy + vocab.json, or word2vec format).

    \b
    Examples:
      hw2v infer out/vec_center.npy data/vocab.json --similar king --top-k 5
      hw2v infer out/vec_center.npy data/vocab.json --analogy king woman man    # king + woman - man
    """
    todo = [("similar", (w,)) for w in similar] + [("analogy", tuple(a)) for a in analogy]
    if queries is not None:
        for line in queries:
            words = line.split()
            if len(words) == 1:
                todo.append(("similar", tuple(words)))
            elif len(words) == 3:
                todo.append(("analogy", tuple(words)))
            elif words:
                raise click.UsageError(f"a query line needs 1 word (similar) or 3 (analogy): {line.strip()!r}")
    if not todo:
        raise click.UsageError("give a query: --similar WORD, --analogy A B C or --queries FILE")
    vec = Vectors.load(emb, vocab)
    for kind, words in todo:
        result = (vec.most_similar(words[0], top_k) if kind == "similar"
                  else vec.analogy(*words, top_k=top_k, method=method))
        if as_json:
            click.echo(json.dumps({"query": kind, "words": list(words),
                                   "results": [{"word": w, "score": round(s, 4)} for w, s in result]}))
        else:
            if len(todo) > 1:
                click.echo(f"# {kind} {' '.join(words)}")
            for w, s in result:
                click.echo(f"{w} {s:.4f}")


# ---- eval -------------------------------------------------------------------------------------------
@main.command(name="eval", context_settings={"show_default": True})
@click.argument("emb", type=click.Path())
@click.argument("vocab", required=False, type=click.Path())
@click.option("--analogies", type=click.Path(),
              help="Analogy file in the Google format  [default: the bundled questions-words.txt, when no --pairs]")
@click.option("--pairs", multiple=True, type=click.Path(),
              help="Word-pair file(s): tab-, comma- or space-separated, header optional (WordSim-353 .tsv or "
                   "combined.csv, SimLex-999.txt)  [default: the bundled WordSim-353, when no --analogies]")
@click.option("--restrict-vocab", default=30000, type=POSITIVE, help="Analogy candidates: the N most frequent words.")
@click.option("--case-sensitive", is_flag=True, help="Match words exactly (gensim's default is insensitive).")
@click.option("--json", "as_json", is_flag=True)
@library_errors
def eval_(emb, vocab, analogies, pairs, restrict_vocab, case_sensitive, as_json):
    """Analogy accuracy and word-pair Spearman rho, with gensim's conventions.

    With neither --analogies nor --pairs, the Google analogies and WordSim-353 that ship with hw2v are used
    (sources and licences: hogwild_w2v/evalsets/PROVENANCE.md).

    \b
    Examples:
      hw2v eval out/vec_center.npy data/vocab.json
      hw2v eval out/vec_center.npy data/vocab.json --pairs SimLex-999.txt --pairs combined.csv
    """
    from hogwild_w2v.evaluate import BUNDLED, evaluate_analogies, evaluate_pairs
    if not analogies and not pairs:
        analogies, pairs = BUNDLED["analogies"], (BUNDLED["pairs"],)
    vec = Vectors.load(emb, vocab)
    out = {}
    if analogies:
        out["analogies"] = evaluate_analogies(vec, analogies, restrict_vocab, not case_sensitive)
    for p in pairs:
        out.setdefault("pairs", {})[p] = evaluate_pairs(vec, p, not case_sensitive)
    if as_json:
        click.echo(json.dumps(out, indent=1))
        return
    if analogies:
        r = out["analogies"]
        for s in r["sections"]:
            acc = 100 * s["correct"] / s["total"] if s["total"] else 0.0
            click.echo(f"{s['section']:<30} {acc:6.2f}%  ({s['correct']}/{s['total']})")
        for g in ("semantic", "syntactic", "total"):
            click.echo(f"{g:<30} {100 * r[g]['accuracy']:6.2f}%  ({r[g]['correct']}/{r[g]['total']})")
        click.echo(f"{'skipped (unknown words)':<30} {r['skipped']}")
    for p, r in out.get("pairs", {}).items():
        click.echo(f"{os.path.basename(p)}: Spearman rho {r['spearman']:.4f} over {r['pairs']} pairs "
                   f"({100 * r['oov_ratio']:.1f}% skipped)")


# ---- export -----------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("emb", type=click.Path())
@click.argument("vocab", type=click.Path())
@click.argument("out", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["word2vec-text", "word2vec-binary", "tsv"]),
              default="word2vec-text",
              help="tsv: OUT is a folder; vectors.tsv + metadata.tsv for projector.tensorflow.org ('Load').")
@click.option("--limit", type=POSITIVE, help="Only the N most frequent words.")
@library_errors
def export(emb, vocab, out, fmt, limit):
    """Write vectors in word2vec.c's text or binary format (readable by gensim's load_word2vec_format), or as
    the TensorFlow Embedding Projector's two TSV files.

    \b
    Examples:
      hw2v export out/vec_center.npy data/vocab.json vectors.bin --format word2vec-binary
      hw2v export out/vec_center.npy data/vocab.json projector/ --format tsv --limit 10000
    """
    vec = Vectors.load(emb, vocab)
    if limit is not None:
        vec = Vectors(vec.words[:limit], vec.matrix[:limit])
    if fmt == "tsv":
        for path in vec.save_projector_tsv(out):
            err(f"wrote {path}")
        return
    vec.save_word2vec(out, binary=fmt == "word2vec-binary")
    err(f"wrote {out}")


# ---- plot -------------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("emb", required=False, type=click.Path())
@click.argument("vocab", required=False, type=click.Path())
@click.option("--words", help="Comma- or space-separated words to place on a 2-D PCA map.")
@click.option("--training-log", type=click.Path(), help="A --log-jsonl file to draw loss and words/s from.")
@click.option("--out", required=True, type=click.Path(), help="PNG file to write.")
@library_errors
def plot(emb, vocab, words, training_log, out):
    """Draw word vectors (2-D PCA) or a training curve; needs the `plot` extra (matplotlib).

    \b
    Examples:
      hw2v plot out/vec_center.npy data/vocab.json --words king,queen,man,woman --out words.png
      hw2v plot --training-log run.jsonl --out curve.png
    """
    from hogwild_w2v import plot as plots
    if training_log:
        plots.plot_training(training_log, out)
    elif emb and words:
        plots.plot_words(Vectors.load(emb, vocab), words.replace(",", " ").split(), out)
    else:
        raise click.UsageError("give EMB VOCAB --words ..., or --training-log FILE")
    err(f"wrote {out}")
