"""Getting text in: `hw2v preprocess`, `hw2v download`, and `hw2v demo` (the whole pipeline on the built-in corpus)."""
from __future__ import annotations

import os
import sys
import tempfile

import click

from hogwild_w2v import DEMO_CORPUS
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.download import SOURCES
from hogwild_w2v.preprocess import preprocess as run_preprocess
from hogwild_w2v.progress import ByteProgress
from hogwild_w2v.vectors import Vectors

from . import POSITIVE, err, library_errors, main
from .train import default_workers, train_and_report


# ---- preprocess -------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("--data-dir", required=True, type=click.Path(), help="Folder to write the corpus into.")
@click.option("--min-count", default=5, type=POSITIVE, help="Drop words seen fewer times.")
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
    log = (lambda m: None) if quiet else err
    progress = None if quiet else ByteProgress("reading").update
    meta = run_preprocess(list(inputs), data_dir, min_count=min_count, max_vocab=max_vocab,
                          val_input=val_input, keep_case=keep_case, wikitext=wikitext, force=force, log=log,
                          progress=progress)
    log(f"wrote {data_dir}: {meta['vocab_size']:,} words, {meta['tokens']:,} tokens, "
        f"{meta['sentences']:,} sentences ({meta['dropped_oov_tokens']:,} out-of-vocabulary tokens dropped)")


# ---- download ---------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.argument("name", type=click.Choice(sorted(SOURCES)))
@click.option("--dest", required=True, type=click.Path(file_okay=False), help="Folder to download into.")
@click.option("--url", help="Fetch from this URL instead of the built-in mirrors.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@library_errors
def download(name, dest, url, quiet):
    """Fetch a public corpus (needs the network), check its checksum, and unpack it.

    Tries each known mirror in turn and says which one served; run it again to resume a partial download.

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
        paths = run_download(name, dest, url, progress, log=None if quiet else err)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for p in paths:
        click.echo(p)


# ---- demo -------------------------------------------------------------------------------------------
@main.command(context_settings={"show_default": True})
@click.option("--corpus", type=click.Path(), default=DEMO_CORPUS, help="Text to use instead of the built-in one.")
@click.option("--workdir", type=click.Path(), help="Keep the data and vectors here  [default: a temporary folder]")
@click.option("--epochs", default=5, type=POSITIVE)
@click.option("--workers", type=POSITIVE, help="[default: physical cores]")
@library_errors
def demo(corpus, workdir, epochs, workers):
    """Preprocess, train and query the built-in corpus (public-domain texts and WordNet's definitions, 3.3M
    tokens), offline (about 30 s on 2 cores).

    \b
    Example:
      hw2v demo
    """
    with tempfile.TemporaryDirectory(prefix="hw2v-demo-") as tmp:
        base = workdir or tmp
        data_dir, prefix = os.path.join(base, "data"), os.path.join(base, "vec")
        run_preprocess([corpus], data_dir, min_count=5, force=True, log=err)
        cfg = TrainConfig(epochs=epochs, workers=workers or default_workers())      # every other setting: defaults
        train_and_report(data_dir, prefix, cfg, keep_checkpoints=1, force=True)       # the demo always starts afresh
        vec = Vectors.load(prefix + "_center.npy", os.path.join(data_dir, "vocab.json"))
        for word in ("war", "freedom", "god", "economy"):
            if word in vec.index:
                click.echo(f"{word:>8} -> " + ", ".join(w for w, _ in vec.most_similar(word, 6)))
        if all(w in vec.index for w in ("king", "woman", "man")):
            answers = [w for w, _ in vec.analogy("king", "woman", "man", top_k=100)]
            click.echo("king + woman - man -> " + ", ".join(answers[:5]))
            if answers[0] != "queen":           # say where it is, rather than hide it
                where = f"ranks {answers.index('queen') + 1}" if "queen" in answers else "is not in the top 100"
                click.echo(f"  (queen {where} here: a quarter of this corpus is the King James Bible, where a king "
                           f"and a woman lead to the Book of Esther; see the corpus PROVENANCE.md)")
