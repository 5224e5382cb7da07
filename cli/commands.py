"""The commands of `hw2v`; each parses, builds a config, calls the library and prints."""
from __future__ import annotations

import json
import os
import sys
import tempfile

import click
import psutil

import hogwild_w2v

from hogwild_w2v.config import TrainConfig
from hogwild_w2v.preprocess import preprocess as run_preprocess
from hogwild_w2v.trainer import Interrupted, train as run_train
from hogwild_w2v.vectors import Vectors

from . import err, library_errors, main

POSITIVE = click.IntRange(min=1)
NON_NEGATIVE = click.IntRange(min=0)
DEMO_CORPUS = os.path.join(os.path.dirname(os.path.abspath(hogwild_w2v.__file__)), "data", "demo.txt.gz")


def default_workers():
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


# ---- preprocess -------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--data-dir", required=True, type=click.Path(), help="Folder to write the corpus into.")
@click.option("--min-count", default=5, type=NON_NEGATIVE, help="Drop words seen fewer times.")
@click.option("--max-vocab", type=POSITIVE, help="Keep only the N most frequent words.")
@click.option("--val-input", type=click.Path(), help="Text to encode as the validation corpus (same vocabulary).")
@click.option("--keep-case", is_flag=True, help="Do not lowercase.")
@click.option("--wikitext/--no-wikitext", default=None,
              help="Force WikiText handling on or off (default: detected from the file).")
@click.option("--force", is_flag=True, help="Replace an existing, non-empty data dir.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@library_errors
def preprocess(inputs, data_dir, min_count, max_vocab, val_input, keep_case, wikitext, force, quiet):
    """Turn text files (plain or .gz) into a memory-mapped corpus of vocabulary ids.

    \b
    Writes DATA_DIR/vocab.json, corpus.bin (int32 ids), offsets.npy (sentence starts), meta.json,
    and with --val-input val_corpus.bin / val_offsets.npy. One line is one sentence.
    Tokens are runs of letters and digits, lowercased unless --keep-case.

    \b
    WikiText files are detected by their markup: ' = Heading = ' lines are skipped,
    '@,@' between digits joins thousands (1 @,@ 000 -> 1000), '@-@' and '@.@' separate
    words like the hyphen and full stop they stand for, and '<unk>' is dropped like
    any out-of-vocabulary token.

    \b
    Example:
      hw2v preprocess wiki.train.tokens --val-input wiki.valid.tokens --data-dir data
    """
    if min_count < 1:
        raise click.BadParameter("must be at least 1", param_hint="'--min-count'")
    log = (lambda m: None) if quiet else err
    meta = run_preprocess(list(inputs), data_dir, min_count=min_count, max_vocab=max_vocab,
                          val_input=val_input, keep_case=keep_case, wikitext=wikitext, force=force, log=log)
    log(f"wrote {data_dir}: {meta['vocab_size']:,} words, {meta['tokens']:,} tokens, "
        f"{meta['sentences']:,} sentences ({meta['dropped_oov_tokens']:,} out-of-vocabulary tokens dropped)")


# ---- train ------------------------------------------------------------------------------------------
def train_options(fn):
    opts = [
        click.option("--data-dir", required=True, type=click.Path(), help="Output of `hw2v preprocess`."),
        click.option("--embeddings", "prefix", required=True, type=click.Path(),
                     help="Output prefix: PREFIX_center.npy, _context.npy, _combined.npy, _config.json."),
        click.option("--dim", default=100, type=POSITIVE, help="Vector size."),
        click.option("--window-size", default=5, type=POSITIVE, help="Maximum context distance."),
        click.option("--negative", default=5, type=POSITIVE, help="Negatives per positive pair."),
        click.option("--lr", default=0.025, type=click.FloatRange(min=0, min_open=True), help="Starting rate."),
        click.option("--min-lr", type=click.FloatRange(min=0), help="Final rate  [default: lr * 1e-4]"),
        click.option("--sample", default=1e-3, type=click.FloatRange(0, 1, max_open=True),
                     help="Subsampling threshold; 0 disables."),
        click.option("--epochs", default=5, type=POSITIVE, help="Passes over the corpus."),
        click.option("--seed", default=1, type=NON_NEGATIVE, help="Random seed."),
        click.option("--workers", type=POSITIVE, help="Worker processes  [default: physical cores]"),
        click.option("--val", is_flag=True, help="Report held-out loss each epoch (val_corpus.bin or a slice)."),
        click.option("--checkpoint-every", default=300.0, type=click.FloatRange(min=1),
                     help="Seconds between checkpoints (also at each epoch end and on a stop)."),
        click.option("--checkpoint-dir", type=click.Path(), help="[default: PREFIX_checkpoints]"),
        click.option("--keep-checkpoints", default=2, type=POSITIVE, help="How many checkpoints to keep."),
        click.option("--resume", is_flag=True,
                     help="Continue from the newest intact checkpoint. --workers may change (positions are then "
                          "approximate); --epochs may grow (the lr schedule stretches)."),
        click.option("--log-jsonl", type=click.Path(), help="Append one JSON record per second to this file."),
        click.option("-q", "--quiet", is_flag=True, help="No progress output."),
        click.option("--batch-words", default=TrainConfig.batch_words, type=click.IntRange(min=64),
                     help="Advanced: corpus tokens per kernel call."),
        click.option("--group", default=TrainConfig.group, type=POSITIVE,
                     help="Advanced: centre words sharing one set of negatives."),
        click.option("--shared-negatives", default=TrainConfig.shared_negatives, type=POSITIVE,
                     help="Advanced: negatives drawn per group."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def do_train(data_dir, prefix, dim, window_size, negative, lr, min_lr, sample, epochs, seed, workers, val,
             checkpoint_every, checkpoint_dir, keep_checkpoints, resume, log_jsonl, quiet, batch_words, group,
             shared_negatives):
    cfg = TrainConfig(dim=dim, window=window_size, negative=negative, lr=lr, min_lr=min_lr, sample=sample,
                      epochs=epochs, seed=seed, workers=workers or default_workers(), val=val,
                      batch_words=batch_words, group=group, shared_negatives=shared_negatives)
    try:
        info = run_train(data_dir, prefix, cfg, checkpoint_every=checkpoint_every, checkpoint_dir=checkpoint_dir,
                         keep_checkpoints=keep_checkpoints, resume=resume, quiet=quiet, log_jsonl=log_jsonl)
    except Interrupted as stop:
        err(f"Stopped ({stop}); checkpoint {stop.checkpoint}. Continue with the same command plus --resume.")
        sys.exit(128 + stop.signum)
    except KeyboardInterrupt:
        err("Aborted; shared memory released. The last checkpoint, if any, is intact.")
        sys.exit(130)
    if not quiet:
        err(f"trained {info['epochs_done']:.2f} epochs at {info['words_per_s']:,.0f} words/s; "
            f"wrote {prefix}_center.npy, _context.npy, _combined.npy, _config.json")
    return info


@main.command(context_settings={"show_default": True})
@train_options
@library_errors
def train(**kwargs):
    """Train skip-gram vectors with negative sampling on a preprocessed corpus.

    \b
    Example:
      hw2v train --data-dir data --embeddings out/vec --epochs 5 --workers 2
    Ctrl-C (or SIGTERM) writes a checkpoint and exits 130 (143); add --resume to continue.
    """
    do_train(**kwargs)


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
@click.option("--analogies", type=click.Path(), help="Google analogy file (questions-words.txt).")
@click.option("--pairs", multiple=True, type=click.Path(), help="Word-pair similarity file(s) (e.g. WordSim-353).")
@click.option("--restrict-vocab", default=30000, type=POSITIVE, help="Analogy candidates: the N most frequent words.")
@click.option("--case-sensitive", is_flag=True, help="Match words exactly (gensim's default is insensitive).")
@click.option("--json", "as_json", is_flag=True)
@library_errors
def eval_(emb, vocab, analogies, pairs, restrict_vocab, case_sensitive, as_json):
    """Analogy accuracy and word-pair Spearman rho, with gensim's conventions.

    \b
    Example:
      hw2v eval out/vec_center.npy data/vocab.json --analogies questions-words.txt --pairs wordsim353.tsv
    """
    from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
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
@click.option("--format", "fmt", type=click.Choice(["word2vec-text", "word2vec-binary"]), default="word2vec-text")
@library_errors
def export(emb, vocab, out, fmt):
    """Write vectors in word2vec.c's text or binary format (readable by gensim's load_word2vec_format).

    \b
    Example:
      hw2v export out/vec_center.npy data/vocab.json vectors.bin --format word2vec-binary
    """
    Vectors.load(emb, vocab).save_word2vec(out, binary=fmt == "word2vec-binary")
    err(f"wrote {out}")


# ---- demo -------------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.option("--corpus", type=click.Path(), default=DEMO_CORPUS, help="Text to use instead of the built-in one.")
@click.option("--workdir", type=click.Path(), help="Keep the data and vectors here  [default: a temporary folder]")
@click.option("--epochs", default=5, type=POSITIVE)
@click.option("--workers", type=POSITIVE, help="[default: physical cores]")
@library_errors
def demo(corpus, workdir, epochs, workers):
    """Preprocess, train and query the built-in public-domain corpus, offline (about a minute on 2 cores).

    \b
    Example:
      hw2v demo
    """
    with tempfile.TemporaryDirectory(prefix="hw2v-demo-") as tmp:
        base = workdir or tmp
        data_dir, prefix = os.path.join(base, "data"), os.path.join(base, "vec")
        run_preprocess([corpus], data_dir, min_count=5, force=True, log=err)
        do_train(data_dir=data_dir, prefix=prefix, dim=100, window_size=5, negative=5, lr=0.025, min_lr=None,
                 sample=1e-3, epochs=epochs, seed=1, workers=workers, val=False, checkpoint_every=300.0,
                 checkpoint_dir=None, keep_checkpoints=1, resume=False, log_jsonl=None, quiet=False,
                 batch_words=TrainConfig.batch_words, group=TrainConfig.group,
                 shared_negatives=TrainConfig.shared_negatives)
        vec = Vectors.load(prefix + "_center.npy", os.path.join(data_dir, "vocab.json"))
        for word in ("war", "freedom", "god", "economy"):
            if word in vec.index:
                click.echo(f"{word:>8} -> " + ", ".join(w for w, _ in vec.most_similar(word, 6)))
        if all(w in vec.index for w in ("king", "woman", "man")):
            click.echo("king + woman - man -> " + ", ".join(w for w, _ in vec.analogy("king", "woman", "man",
                                                                                      top_k=5)))


# ---- download ---------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("name", type=click.Choice(["text8", "wikitext-2", "wikitext-103"]))
@click.option("--dest", required=True, type=click.Path(file_okay=False), help="Folder to download into.")
@click.option("--url", help="Fetch from this mirror instead of the default address.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@library_errors
def download(name, dest, url, quiet):
    """Fetch a public corpus, resuming a partial download, check its size / checksum, and unpack it.

    \b
    Example:
      hw2v download wikitext-2 --dest corpora
      hw2v preprocess corpora/wikitext-2/wiki.train.tokens --val-input corpora/wikitext-2/wiki.valid.tokens \\
          --data-dir data
    """
    from hogwild_w2v.download import download as run_download
    bar = None

    def progress(done, total):
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = click.progressbar(length=total or 0, label=f"{name}", file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        paths = run_download(name, dest, url, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for p in paths:
        click.echo(p)


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
