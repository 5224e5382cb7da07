"""Resuming is exact with any number of workers: one chunk counter, whatever the worker count (issue 17)."""
import json
import signal
import subprocess
import threading

import numpy as np
import pytest
from click.testing import CliRunner

from hogwild_w2v.cli import main
from hogwild_w2v.config import TrainConfig, learning_rate
from hogwild_w2v.data import open_data
from hogwild_w2v.errors import HW2VError
from hogwild_w2v.trainer import Coordinator, Interrupted

from conftest import planted_text, preprocessed_dir, python_cmd
from test_train import run_cli, wait_for_progress


def test_learning_rate_decays_linearly_to_its_floor():
    cfg = TrainConfig(lr=0.025)
    assert learning_rate(cfg, 0, 1000) == 0.025
    assert learning_rate(cfg, 500, 1000) == pytest.approx(0.025 - (0.025 - 2.5e-6) / 2)
    assert learning_rate(cfg, 1000, 1000) == cfg.final_lr == pytest.approx(2.5e-6)
    assert learning_rate(cfg, 5000, 1000) == cfg.final_lr                 # never below the floor
    assert learning_rate(TrainConfig(lr=0.05, min_lr=0.001), 10**9, 1) == pytest.approx(0.001)


def stop_after(coord, seconds):
    """Stop the run like SIGTERM would, from a timer (the in-process tests cannot signal themselves safely)."""
    timer = threading.Timer(seconds, lambda: setattr(coord, "stop_signal", signal.SIGTERM))
    timer.start()
    return timer


def checkpoint_then_stop(data_dir, prefix, cfg):
    """Train `cfg` until a timer stops it, leaving its checkpoint (the run must last longer than 0.8 s)."""
    coord = Coordinator(data_dir, prefix, cfg, quiet=True, checkpoint_every=1000)
    timer = stop_after(coord, 0.8)
    try:
        with pytest.raises(Interrupted):
            coord.run()
    finally:
        timer.cancel()


@pytest.mark.parametrize("workers_seq, seed", [((1, 2, 1), 0), ((2, 1, 2), 1), ((2, 2, 1), 2)])
def test_any_stop_points_and_worker_counts_train_exactly_the_epochs_asked(planted_dir, tmp_path, workers_seq,
                                                                         seed):
    rng = np.random.default_rng(seed)
    prefix = str(tmp_path / "v")
    tokens = open_data(planted_dir).tokens
    epochs = 400          # long enough that no stop (at most 2 s in) comes after the end, on a fast machine too
    for i, workers in enumerate(workers_seq):
        cfg = TrainConfig(dim=16, epochs=epochs, workers=workers, seed=5)
        coord = Coordinator(planted_dir, prefix, cfg, quiet=True, resume=i > 0, checkpoint_every=1000)
        last = i == len(workers_seq) - 1
        timer = None if last else stop_after(coord, float(rng.uniform(0.3, 2.0)))
        try:
            info = coord.run()
            assert last, "the run finished before the stop: lengthen it"
        except Interrupted:
            assert not last
            continue
        finally:
            if timer:
                timer.cancel()
    # every chunk of every epoch exactly once: the words are exactly epochs x tokens, not "within a batch"
    assert info["epochs_done"] == epochs and info["train_tokens"] * epochs == epochs * tokens
    assert info["words_done"] == sum(info["worker_words"]) == epochs * tokens


@pytest.fixture(scope="module")
def bigger_planted_dir(tmp_path_factory):
    return preprocessed_dir(tmp_path_factory, "planted_big", planted_text(n_sentences=40_000, seed=1))


def test_the_issue_17_sequence(bigger_planted_dir, tmp_path):
    """Stop mid-epoch with 2 workers, resume with 1, grow the epochs with 2: exactly 40 epochs, lr at its floor,
    and the same command again is a no-op that exits 0. (30 epochs, not 6: on a fast machine 6 ended within the
    first checkpoint interval, before the stop.)"""
    prefix = str(tmp_path / "rz" / "v")
    planted_dir = bigger_planted_dir
    base = ["train", "--data-dir", planted_dir, "--embeddings", prefix, "--dim", "64", "--checkpoint-every", "1"]
    proc = run_cli([a for a in base] + ["--epochs", "30", "--workers", "2"])
    wait_for_progress(proc, prefix, 0.2)
    proc.send_signal(signal.SIGINT)
    _, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, errs
    r = subprocess.run([*python_cmd(), *base, "--epochs", "30", "--workers", "1", "--resume", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.load(open(prefix + "_config.json"))["epochs_done"] == 30
    r = subprocess.run([*python_cmd(), *base, "--epochs", "40", "--workers", "2", "--resume", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = json.load(open(prefix + "_config.json"))
    assert info["epochs_done"] == 40 and info["words_done"] == 40 * info["train_tokens"]
    cfg = TrainConfig.from_dict(info["config"])
    assert learning_rate(cfg, sum(info["worker_words"]), 40 * info["train_tokens"]) == cfg.final_lr
    before = open(prefix + "_center.npy", "rb").read()
    r = subprocess.run([*python_cmd(), *base, "--epochs", "40", "--workers", "2", "--resume"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Nothing to do: the run is complete (40.00 of 40 epochs)" in r.stderr
    assert open(prefix + "_center.npy", "rb").read() == before
    r = subprocess.run([*python_cmd(), *base, "--epochs", "39", "--resume"], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip() == "Error: cannot resume: the checkpoint has done 40.00 epochs, more than --epochs 39"


def test_resume_of_a_complete_run_writes_missing_outputs(planted_dir, tmp_path):
    prefix = str(tmp_path / "v")
    args = ["train", "--data-dir", planted_dir, "--embeddings", prefix, "--dim", "8", "--epochs", "1", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    want = np.load(prefix + "_center.npy")
    (tmp_path / "v_center.npy").unlink()
    r = CliRunner().invoke(main, args + ["--resume"])
    assert r.exit_code == 0 and "wrote the missing outputs" in r.output
    assert np.array_equal(np.load(prefix + "_center.npy"), want)


def test_force_starts_over_and_errors_name_real_flags(planted_dir, tmp_path):
    prefix = str(tmp_path / "v")
    args = ["train", "--data-dir", planted_dir, "--embeddings", prefix, "--dim", "8", "--epochs", "1", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and "--resume" in r.output and "--force" in r.output
    assert CliRunner().invoke(main, args + ["--force"]).exit_code == 0
    r = CliRunner().invoke(main, args + ["--resume", "--window-size", "3"])
    assert r.exit_code == 1
    assert r.output.strip() == "Error: cannot resume: --window-size was 5 in the checkpoint, now 3"
    r = CliRunner().invoke(main, args + ["--resume", "--force"])
    assert r.exit_code == 1 and "contradict" in r.output


def test_rng_states_and_words_done_with_another_worker_count():
    """A checkpoint of 2 workers resumed by 3: workers 0 and 1 get their streams back, worker 2 a fresh one (None);
    resumed by 1: worker 0's stream. The position is the same number of words whatever the count."""
    from hogwild_w2v.resume import rng_states, words_done
    state = {"worker_states": [{"rng": "s0"}, {"rng": "s1"}]}
    assert rng_states(state, 3) == ["s0", "s1", None]
    assert rng_states(state, 1) == ["s0"]
    assert rng_states(None, 2) == [None, None]
    offsets = np.array([0, 4, 10, 12, 20])             # 4 sentences, 20 tokens
    bounds = np.array([0, 2, 3, 4])                    # 3 chunks: sentences [0, 2), [2, 3), [3, 4)
    assert [words_done(c, bounds, offsets, 20) for c in range(7)] == [0, 10, 12, 20, 30, 32, 40]


def test_a_checkpoint_resumes_under_the_chunking_that_numbered_it(planted_dir, tmp_path):
    """A chunk number is a place in the corpus only under the chunking that counted it: a checkpoint written with
    one kernel call a chunk (every checkpoint before chunks held several: `chunk_batches` missing means 1) resumes
    under that chunking, whatever the default is now, and trains exactly the epochs asked."""
    assert TrainConfig.from_dict({k: v for k, v in TrainConfig().to_dict().items()
                                  if k != "chunk_batches"}).chunk_batches == 1
    prefix, epochs = str(tmp_path / "v"), 150
    checkpoint_then_stop(planted_dir, prefix, TrainConfig(dim=16, epochs=epochs, workers=1, seed=5, chunk_batches=1))
    info = Coordinator(planted_dir, prefix, TrainConfig(dim=16, epochs=epochs, workers=1, seed=5), quiet=True,
                       resume=True).run()
    assert info["config"]["chunk_batches"] == 1
    assert info["words_done"] == epochs * open_data(planted_dir).tokens


def test_a_checkpoint_goes_on_in_the_direction_it_was_trained_in(planted_dir, tmp_path):
    """Skip-gram NS's "auto" direction was the center's before it became word2vec.c's (the context's): a checkpoint
    written in the center's goes on in it under "auto", and records it; naming the other direction is refused."""
    assert TrainConfig().input_direction == "context" and TrainConfig().to_dict()["direction"] == "context"
    assert TrainConfig(model="cbow").input_direction == "center" == TrainConfig(hs=True).input_direction
    prefix, epochs = str(tmp_path / "v"), 150
    checkpoint_then_stop(planted_dir, prefix, TrainConfig(dim=16, epochs=epochs, workers=1, seed=5, direction="center"))
    with pytest.raises(HW2VError, match="^cannot resume: direction was center in the checkpoint, now context$"):
        Coordinator(planted_dir, prefix, TrainConfig(dim=16, epochs=epochs, workers=1, seed=5, direction="context"),
                    quiet=True, resume=True).run()
    info = Coordinator(planted_dir, prefix, TrainConfig(dim=16, epochs=epochs, workers=1, seed=5), quiet=True,
                       resume=True).run()
    assert info["config"]["direction"] == "center"
    assert info["words_done"] == epochs * open_data(planted_dir).tokens
