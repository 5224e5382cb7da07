"""`hw2v train`: options, config, the call into the coordinator, and what a stop or a crash prints."""
from __future__ import annotations

import os
import sys
import traceback

import click
import psutil

from hogwild_w2v.config import TrainConfig
from hogwild_w2v.distributed import (DEFAULT_SYNC_MODE, DEFAULT_SYNC_WORDS, SYNC_MODES, CollectiveError, RankSync,
                                     launched_by_mpi, mpi_comm)
from hogwild_w2v.errors import HW2VError, describe_os_error
from hogwild_w2v.health import STALL_TIMEOUT
from hogwild_w2v.trainer import Interrupted, train as run_train

from . import NON_NEGATIVE, POSITIVE, err, library_errors, main


def default_workers():
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


# ---- train ------------------------------------------------------------------------------------------
def train_options(fn):
    opts = [
        click.option("--data-dir", required=True, type=click.Path(), help="Output of `hw2v preprocess`."),
        click.option("--embeddings", "prefix", required=True, type=click.Path(),
                     help="Output prefix: PREFIX_center.npy (the word vectors), _config.json; with negative "
                          "sampling _context.npy and _combined.npy, with --hs _hs.npy (the tree's inner nodes)."),
        click.option("--model", default=TrainConfig.model, type=click.Choice(["sg", "cbow"]),
                     help="sg: skip-gram, each word predicts its contexts; cbow: the mean of the contexts predicts "
                          "the word (cheaper per word)."),
        click.option("--hs", is_flag=True, help="Hierarchical softmax (a Huffman tree) as well as negative sampling; "
                                                "with --negative 0, instead of it."),
        click.option("--cbow-mean/--cbow-sum", "cbow_mean", default=None,
                     help="CBOW's hidden vector: the mean of the context vectors (as word2vec.c)  [default: mean]"),
        click.option("--dim", default=TrainConfig.dim, type=POSITIVE, help="Vector size."),
        click.option("--window-size", default=TrainConfig.window, type=POSITIVE, help="Maximum context distance."),
        click.option("--negative", default=TrainConfig.negative, type=NON_NEGATIVE,
                     help="Negatives per positive pair; 0 turns negative sampling off (needs --hs)."),
        click.option("--lr", default=TrainConfig.lr, type=click.FloatRange(min=0, min_open=True), help="Starting rate."),
        click.option("--min-lr", type=click.FloatRange(min=0), help="Final rate  [default: lr * 1e-4]"),
        click.option("--sample", default=TrainConfig.sample, type=click.FloatRange(0, 1, max_open=True),
                     help="Subsampling threshold; 0 disables."),
        click.option("--epochs", default=TrainConfig.epochs, type=POSITIVE, help="Passes over the corpus."),
        click.option("--seed", default=TrainConfig.seed, type=NON_NEGATIVE, help="Random seed."),
        click.option("--workers", type=POSITIVE, help="Worker processes  [default: physical cores]"),
        click.option("--val", is_flag=True, help="Report held-out loss each epoch (val_corpus.bin or a slice)."),
        click.option("--checkpoint-every", default=300.0, type=click.FloatRange(min=1),
                     help="Seconds between checkpoints (also at each epoch end and on a stop)."),
        click.option("--checkpoint-dir", type=click.Path(), help="[default: PREFIX_checkpoints]"),
        click.option("--keep-checkpoints", default=2, type=POSITIVE, help="How many checkpoints to keep."),
        click.option("--resume", is_flag=True,
                     help="Continue from the newest intact checkpoint, exactly, with any --workers; --epochs may "
                          "grow (the lr schedule stretches). A finished run says so and exits 0."),
        click.option("--force", is_flag=True, help="Start over: remove an earlier run's checkpoints for this prefix."),
        click.option("--log-jsonl", type=click.Path(), help="Append one JSON record per second to this file."),
        click.option("--stall-timeout", default=STALL_TIMEOUT, type=click.FloatRange(min=0, min_open=True),
                     help="Seconds a worker may make no progress (stopped, stuck in I/O) before the run stops "
                          "with an error, keeping its last checkpoint."),
        click.option("-q", "--quiet", is_flag=True, help="No progress output."),
        click.option("--distributed", is_flag=True,
                     help="Train across the MPI ranks this command was started as (mpiexec -n R hw2v train ... "
                          "--distributed): each rank a Hogwild trainer with --workers processes, kept in step by "
                          "all-reduce. Needs pip install 'hw2v[mpi]'. Not automatic: started by mpiexec with "
                          "several ranks and without it, train stops with an error."),
        click.option("--sync-mode", default=DEFAULT_SYNC_MODE, type=click.Choice(list(SYNC_MODES)),
                     help="With --distributed: periodic syncs the frequent rows every --sync-words words a rank and "
                          "combines the ranks' moves as twice their mean (few bytes, rare waits; within 0.3 analogy "
                          "points of one machine at 2 ranks, short beyond); batch syncs the 64 most frequent rows "
                          "after every worker's batch (tiers doubling, every row every 128 syncs) and sums the ranks' "
                          "moves (measured with 1 worker a rank: within 0.3 analogy points of one machine at 2, 4 "
                          "and 8 ranks, at twice the time; for a few machines on a fast network and corpora of "
                          "short lines; docs/DISTRIBUTED.md)."),
        click.option("--sync-words", type=POSITIVE,
                     help=f"With --distributed: words each rank trains between two syncs  [default: "
                          f"{DEFAULT_SYNC_WORDS:,}; with --sync-mode batch, one batch a worker]"),
        click.option("--sync-overlap/--no-sync-overlap", default=False,
                     help="With --distributed: the workers train on while the frequent rows are all-reduced (their "
                          "agreed rows land one period later). Saves the sync's wait; cost quality beyond 2 ranks with "
                          "an earlier sync rule (docs/DISTRIBUTED.md)."),
        click.option("--batch-words", default=TrainConfig.batch_words, type=click.IntRange(min=64),
                     help="Advanced: corpus tokens per kernel call."),
        click.option("--group", default=TrainConfig.group, type=POSITIVE,
                     help="Advanced: center words sharing one set of negatives."),
        click.option("--shared-negatives", default=TrainConfig.shared_negatives, type=POSITIVE,
                     help="Advanced: negatives drawn per group  [default: max(group, negative x (window + 1))]"),
        click.option("--direction", default=TrainConfig.direction, type=click.Choice(["auto", "center", "context"]),
                     help="Advanced: which input row predicts in skip-gram negative sampling: context (word2vec.c's "
                          "order, auto's choice there) or center (the textbook's; auto's for CBOW and --hs)."),
        click.option("--damping/--no-damping", default=TrainConfig.damping,
                     help="Advanced: stop each row's stale batch step at the minimum along it and within a trust "
                          "region (docs/BENCHMARKS.md). Off is plain batched SGD, which can diverge."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


# option names that differ from the TrainConfig field they set
CONFIG_KEYS = {"window_size": "window"}
# flags that name a setting better than click's first spelling of them
FLAG_NAMES = {"cbow_mean": "--cbow-mean/--cbow-sum"}


def flag_names():
    """TrainConfig field -> the flag that sets it, read from the `train` command's own options."""
    names = {CONFIG_KEYS.get(p.name, p.name): p.opts[0] for p in train.params if isinstance(p, click.Option)}
    return {**names, **FLAG_NAMES}


def do_train(data_dir, prefix, dim, window_size, negative, lr, min_lr, sample, epochs, seed, workers, val,
             checkpoint_every, checkpoint_dir, keep_checkpoints, resume, log_jsonl, quiet, batch_words, group,
             shared_negatives, damping=TrainConfig.damping, force=False, stall_timeout=STALL_TIMEOUT,
             model=TrainConfig.model, hs=TrainConfig.hs, cbow_mean=None, distributed=False,
             sync_words=None, sync_overlap=False, direction=TrainConfig.direction, sync_mode=DEFAULT_SYNC_MODE):
    if negative == 0 and not hs:
        raise click.UsageError("--negative 0 needs --hs: with neither negative sampling nor hierarchical softmax "
                               "there is nothing to train")
    if sync_words is not None and SYNC_MODES[sync_mode].sync_words is None:
        raise click.UsageError(f"--sync-words applies to --sync-mode periodic: --sync-mode {sync_mode} syncs after "
                               f"every worker's batch")
    if cbow_mean is not None and model != "cbow":
        raise click.UsageError(f"--cbow-mean/--cbow-sum only apply to --model cbow, not --model {model}")
    cfg = TrainConfig(model=model, hs=hs, cbow_mean=TrainConfig.cbow_mean if cbow_mean is None else cbow_mean,
                      dim=dim, window=window_size, negative=negative, lr=lr, min_lr=min_lr, sample=sample,
                      epochs=epochs, seed=seed, workers=workers or default_workers(), val=val,
                      batch_words=batch_words, group=group, shared_negatives=shared_negatives, damping=damping,
                      direction=direction)
    sync = None
    if distributed:
        sync = RankSync(mpi_comm(), sync_words, overlap=sync_overlap, mode=sync_mode)
    elif launched_by_mpi(os.environ):
        raise HW2VError("started by mpiexec with several ranks but without --distributed, every rank would train "
                        "the whole corpus into the same files: add --distributed, or start one process")
    return train_and_report(data_dir, prefix, cfg, quiet=quiet, checkpoint_every=checkpoint_every,
                            checkpoint_dir=checkpoint_dir, keep_checkpoints=keep_checkpoints, resume=resume,
                            log_jsonl=log_jsonl, force=force, stall_timeout=stall_timeout, sync=sync)


def train_and_report(data_dir, prefix, cfg, quiet=False, sync=None, **options):
    """Run the library's `train`; turn a stop into its message and exit code; print what was done. Across MPI
    ranks only rank 0 prints; the others exit with the same status."""
    lead = sync is None or sync.rank == 0
    cores = default_workers()
    if cfg.workers > cores and lead:   # Hogwild workers are CPU-bound: more than the cores only share them, and wait
        err(f"Warning: --workers {cfg.workers} is more than the {cores} physical cores; they will share them.")
    try:
        info = run_train(data_dir, prefix, cfg, quiet=quiet, flag_names=flag_names(), sync=sync, **options)
    except CollectiveError:            # every rank found it: rank 0 says it, every rank exits 1
        if lead:
            raise
        sys.exit(1)
    except HW2VError as exc:           # this rank's alone (a dead worker, a divergence): it says so, all ranks end
        if sync is None or sync.size == 1:
            raise
        err(f"Error: rank {sync.rank}: {exc}")
        sync.abort(1)
    except Interrupted as stop:
        if not lead:
            sys.exit(128 + stop.signum)
        saved = (f"checkpoint {stop.checkpoint}" if stop.checkpoint else
                 "this checkpoint could not be written (see the warning); the previous one stays")
        err(f"Stopped ({stop}); {saved}. Continue with the same command plus --resume.")
        sys.exit(128 + stop.signum)
    except KeyboardInterrupt:
        err("Aborted; shared memory released. The last checkpoint, if any, is intact.")
        if sync is not None and sync.size > 1:
            sync.abort(130)
        sys.exit(130)
    except Exception as exc:           # noqa: BLE001 - one rank's surprise (a bug, an OSError, no memory)
        if sync is None or sync.size == 1:
            raise
        err(f"Error: rank {sync.rank}: {unexpected(exc)}")
        sync.abort(1)                  # the other ranks would otherwise wait for this one at the next sync for ever
    if not lead:
        return info
    if info.get("already_complete"):
        wrote = f"; wrote the missing outputs {prefix}_*" if info.get("wrote_outputs") else ""
        err(f"Nothing to do: the run is complete ({info['epochs_done']:.2f} of {cfg.epochs} epochs){wrote}.")
    elif not quiet:
        written = ", ".join(os.path.basename(p) for p in info["outputs"])
        err(f"trained {info['epochs_done']:.2f} epochs at {info['words_per_s']:,.0f} words/s; wrote {written}")
    return info


def unexpected(exc):
    """An exception the library did not turn into a one-line error, as one line: what, and where it was raised."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return f"unexpected {type(exc).__name__}: {exc}{where}"


@main.command(context_settings={"show_default": True})
@train_options
@library_errors
def train(**kwargs):
    """Train word vectors on a preprocessed corpus: skip-gram or CBOW, negative sampling or hierarchical softmax.

    \b
    Example:
      hw2v train --data-dir data --embeddings out/vec --epochs 5 --workers 2
      hw2v train --data-dir data --embeddings out/cbow --model cbow --hs --negative 0
    Ctrl-C, SIGTERM or SIGHUP writes a checkpoint and exits 130, 143 or 129; add --resume to continue.
    """
    do_train(**kwargs)
