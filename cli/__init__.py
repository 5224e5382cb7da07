"""The `hw2v` command line: a thin click layer over the `hogwild_w2v` library.

The folder sits at the top of the repository (the layout is given) but installs as `hogwild_w2v.cli`, through the
`package-dir` mapping in pyproject.toml, so no top-level module named `cli` reaches site-packages; `from . import
err` here means `hogwild_w2v.cli`. Only `hogwild_w2v/__main__.py` imports it from the library
(docs/ARCHITECTURE.md).
Library errors (`HW2VError`) become `Error: ...` with exit 1; bad arguments are click usage errors (exit 2).
"""
from __future__ import annotations

import functools
import sys

import click

from hogwild_w2v import __version__
from hogwild_w2v.errors import HW2VError, describe_os_error

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}

# option types shared by the commands
POSITIVE = click.IntRange(min=1)
NON_NEGATIVE = click.IntRange(min=0)


def library_errors(fn):
    """Turn the library's one-line errors into click's `Error: ...` (exit 1), never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except HW2VError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except OSError as exc:
            raise click.ClickException(describe_os_error(exc)) from None
    return wrapper


def err(text):
    click.echo(text, err=True)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="hw2v")
def main():
    """hw2v: word2vec (skip-gram or CBOW; negative sampling or hierarchical softmax) in pure NumPy, trained
    Hogwild-style on every core.

    \b
    A whole run:
      hw2v preprocess corpus.txt.gz --data-dir data
      hw2v train --data-dir data --embeddings out/vec --epochs 5
      hw2v infer out/vec_center.npy data/vocab.json --similar king
      hw2v infer out/vec_center.npy data/vocab.json --analogy king woman man
      hw2v eval out/vec_center.npy data/vocab.json --analogies questions-words.txt
    Or try it on the built-in demo corpus: hw2v demo
    """


from . import data, train, vectors  # noqa: E402,F401  (each registers its commands on `main`)

if __name__ == "__main__":
    sys.exit(main())
