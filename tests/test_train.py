"""Training end to end: determinism, planted structure, Hogwild, signals, crashes, checkpoints and resume."""
import contextlib
import json
import os
import signal
import subprocess
import time

import numpy as np
import psutil
import pytest
from click.testing import CliRunner

from hogwild_w2v import checkpoint as ckpt
from hogwild_w2v.cli import main
from hogwild_w2v.config import TrainConfig
from hogwild_w2v.batching import chunk_bounds
from hogwild_w2v.errors import HW2VError
from hogwild_w2v.trainer import train
from hogwild_w2v.vectors import Vectors

from conftest import python_cmd


def shm_entries(pid=None):
    names = os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else []
    return [n for n in names if n.startswith(f"hw2v_{pid}_" if pid else "hw2v_")]


def topic_purity(prefix, data_dir):
    vec = Vectors.load(prefix + "_center.npy", os.path.join(data_dir, "vocab.json"))
    hits = total = 0
    for w in vec.words:
        for n, _ in vec.most_similar(w, 5):
            hits += n[0] == w[0]
            total += 1
    return hits / total


def test_chunks_cover_every_sentence_once():
    offsets = np.concatenate([[0], np.cumsum(np.random.default_rng(0).integers(1, 50, 1001))])
    for bw in (1, 64, 256, 5000, 10**6):
        b = chunk_bounds(offsets, bw)
        assert b[0] == 0 and b[-1] == 1001 and np.all(np.diff(b) >= 1)
        sizes = np.diff(offsets[b])
        if len(sizes) > 1:
            assert sizes[:-1].max() <= bw + 50 and (bw < 50 or sizes[:-1].min() >= bw - 50)


def test_seeded_single_worker_runs_are_bit_identical(planted_dir, tmp_path):
    cfg = TrainConfig(dim=16, epochs=2, workers=1, seed=7)
    for name in ("a", "b"):
        train(planted_dir, str(tmp_path / name), cfg, quiet=True)
    a, b = np.load(tmp_path / "a_center.npy"), np.load(tmp_path / "b_center.npy")
    assert a.dtype == np.float32 and np.array_equal(a, b)
    c = tmp_path / "c"
    train(planted_dir, str(c), TrainConfig(dim=16, epochs=2, workers=1, seed=8), quiet=True)
    assert not np.array_equal(a, np.load(tmp_path / "c_center.npy"))
    info = json.loads((tmp_path / "a_config.json").read_text())
    assert info["config"]["seed"] == 7 and info["epochs_done"] == 2 and info["words_per_s"] > 0
    assert np.allclose(np.load(tmp_path / "a_combined.npy"), a + np.load(tmp_path / "a_context.npy"))
    assert not shm_entries(os.getpid())


@pytest.mark.parametrize("workers", [1, 2])
def test_planted_structure_is_learned(planted_dir, tmp_path, workers):
    train(planted_dir, str(tmp_path / "v"), TrainConfig(dim=20, epochs=5, workers=workers), quiet=True)
    assert topic_purity(str(tmp_path / "v"), planted_dir) > 0.95
    assert not shm_entries(os.getpid())


def test_exception_in_a_worker_is_one_line_and_leaves_no_segment(planted_dir, tmp_path, monkeypatch):
    import conftest
    from hogwild_w2v import spawn
    monkeypatch.setattr(spawn, "worker_main", conftest.crashing_worker)
    with pytest.raises(HW2VError, match=r"worker 0 \(pid \d+\) failed: RuntimeError: injected failure"):
        train(planted_dir, str(tmp_path / "v"), TrainConfig(dim=8, epochs=1), quiet=True)
    assert not shm_entries(os.getpid())
    assert not os.path.exists(tmp_path / "v_center.npy")


def test_val_loss_is_reported(planted_dir, tmp_path):
    info = train(planted_dir, str(tmp_path / "v"), TrainConfig(dim=16, epochs=2, val=True), quiet=True)
    # epoch 0 (before training), then each epoch end the coordinator sees (a tiny corpus may pass several)
    history = info["val_loss"]
    assert history[0]["epoch"] == 0 and history[-1]["epoch"] == 2
    assert history[-1]["val_loss"] < history[0]["val_loss"] < 5


def run_cli(args, **kw):
    return subprocess.Popen([*python_cmd(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def long_args(data_dir, prefix, epochs=60, workers=1):
    return ["train", "--data-dir", data_dir, "--embeddings", prefix, "--dim", "16", "--epochs", str(epochs),
            "--workers", str(workers), "--seed", "3", "--checkpoint-every", "1000"]


def wait_for_progress(proc, prefix, seconds=1.5):
    deadline = time.time() + 30
    while time.time() < deadline and not os.path.isdir(prefix + "_checkpoints"):
        time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
    time.sleep(seconds)


@pytest.mark.parametrize("sig, code, delay", [(signal.SIGINT, 130, 0.0), (signal.SIGINT, 130, 0.8),
                                              (signal.SIGTERM, 143, 0.3), (signal.SIGHUP, 129, 0.3)])
def test_signal_checkpoints_and_resume_is_bit_identical(planted_dir, tmp_path, sig, code, delay):
    ref = str(tmp_path / "ref")
    assert subprocess.run([*python_cmd(), *long_args(planted_dir, ref, 150), "-q"]).returncode == 0
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 150))
    wait_for_progress(proc, run, delay)
    proc.send_signal(sig)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == code, errs
    assert "--resume" in errs and "Traceback" not in errs
    assert not shm_entries(proc.pid)
    r = subprocess.run([*python_cmd(), *long_args(planted_dir, run, 150), "--resume", "-q"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(ref + "_center.npy"), np.load(run + "_center.npy"))
    assert np.array_equal(np.load(ref + "_context.npy"), np.load(run + "_context.npy"))


def test_second_ctrl_c_aborts_at_once_and_cleans_up(planted_dir, tmp_path):
    """The first Ctrl-C asks for a checkpoint, which waits for every worker to reach a batch boundary; with one
    worker stopped (kill -STOP) it never comes, so only the abort path can end the run: the second Ctrl-C must."""
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 400, workers=2))
    wait_for_progress(proc, run, 0.3)
    kids = psutil.Process(proc.pid).children(recursive=True)
    workers = [k for k in kids if "spawn_main" in " ".join(k.cmdline())]
    assert len(workers) == 2
    workers[0].suspend()
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert proc.poll() is None                        # the graceful stop is waiting for the stopped worker
    proc.send_signal(signal.SIGINT)
    out, errs = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in errs
    assert errs.strip().splitlines()[-1].startswith("Aborted")
    assert "checkpoint written" not in errs
    assert not shm_entries(proc.pid)
    gone, alive = psutil.wait_procs(kids, timeout=10)
    assert not alive                                  # the stopped worker too
    for path in ckpt.list_checkpoints(run + "_checkpoints"):
        assert ckpt.verify(path) is None
    assert not [n for n in os.listdir(run + "_checkpoints") if n.startswith(".tmp")]


def test_killed_worker_stops_the_run_and_resume_continues(planted_dir, tmp_path):
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 60, workers=2))
    wait_for_progress(proc, run, 0.3)
    kids = psutil.Process(proc.pid).children()
    victim = [k for k in kids if "spawn_main" in " ".join(k.cmdline()) and "resource_tracker" not in
              " ".join(k.cmdline())][0]
    victim.send_signal(signal.SIGKILL)
    out, errs = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "Error: worker" in errs and "SIGKILL" in errs and "Traceback" not in errs
    assert not shm_entries(proc.pid)
    assert ckpt.verify(ckpt.list_checkpoints(run + "_checkpoints")[-1]) is None
    r = subprocess.run([*python_cmd(), *long_args(planted_dir, run, 60, workers=2), "--resume", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = json.loads(open(run + "_config.json").read())
    assert info["resumed_from_step"] >= 1 and info["epochs_done"] == pytest.approx(60, abs=0.01)
    assert topic_purity(run, planted_dir) > 0.95


def test_killed_coordinator_leaves_no_process_or_segment(planted_dir, tmp_path):
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 60, workers=2))
    wait_for_progress(proc, run, 0.3)
    kids = psutil.Process(proc.pid).children(recursive=True)
    # the segments' names are removed once every worker has attached: nothing is left to leak by then
    assert not shm_entries(proc.pid) and proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(kids, timeout=15)
    assert not alive
    deadline = time.time() + 10
    while shm_entries(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not shm_entries(proc.pid)
    r = subprocess.run([*python_cmd(), *long_args(planted_dir, run, 60, workers=2), "--resume", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(open(run + "_config.json").read())["resumed_from_step"] >= 1



def shm_files_mapped(procs):
    """The /dev/shm files the processes map: shared-memory segments and POSIX semaphores (`sem.*`)."""
    paths = set()
    for p in procs:
        with contextlib.suppress(psutil.Error):
            paths |= {m.path.split(" (deleted)")[0] for m in p.memory_maps() if m.path.startswith("/dev/shm/")}
    return paths


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no /dev/shm here")
def test_killing_the_whole_process_group_leaves_nothing_in_dev_shm(planted_dir, tmp_path):
    """SIGKILL to every process of a run at once (a batch system's job kill, `kill -9 -PGID`): the resource
    tracker dies too, so nothing can clean up afterwards. No file the run had mapped from /dev/shm may be left:
    the segments' names are gone once the workers attach, and the lock and channels are pipes, not named
    semaphores (which `multiprocessing.Lock` and `Queue` are under the spawn start method)."""
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 60, workers=2), start_new_session=True)
    wait_for_progress(proc, run, 0.3)
    procs = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    mapped = shm_files_mapped(procs)
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(procs, timeout=15)
    assert not alive
    assert not [p for p in mapped if os.path.exists(p)], mapped


def test_corrupt_checkpoint_is_skipped_and_mismatch_is_refused(planted_dir, tmp_path):
    run = str(tmp_path / "v")
    for epochs in (1, 2, 3):          # each run ends with a checkpoint
        train(planted_dir, run, TrainConfig(dim=16, epochs=epochs), quiet=True, keep_checkpoints=3,
              resume=epochs > 1)
    paths = ckpt.list_checkpoints(run + "_checkpoints")
    assert len(paths) == 3
    with open(os.path.join(paths[-1], "w_in.npy"), "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00\x01\x02\x03")
    warnings = []
    path, *_ = ckpt.load_latest(run + "_checkpoints", warn=warnings.append)
    assert path == paths[-2] and "does not match its checksum" in warnings[0]
    os.remove(os.path.join(paths[-2], "manifest.json"))        # a partial one
    path, *_ = ckpt.load_latest(run + "_checkpoints", warn=warnings.append)
    assert path == paths[-3]
    with pytest.raises(HW2VError, match="dim was 16 in the checkpoint, now 32"):
        train(planted_dir, run, TrainConfig(dim=32, epochs=3), quiet=True, resume=True)
    with pytest.raises(HW2VError, match="window was 5 in the checkpoint, now 3"):
        train(planted_dir, run, TrainConfig(dim=16, window=3, epochs=3), quiet=True, resume=True)
    with pytest.raises(HW2VError, match="no checkpoint to resume from"):
        train(planted_dir, str(tmp_path / "none"), TrainConfig(dim=16), quiet=True, resume=True)


def test_resume_with_more_epochs_and_other_worker_count(planted_dir, tmp_path):
    run = str(tmp_path / "v")
    train(planted_dir, run, TrainConfig(dim=16, epochs=2), quiet=True)
    info = train(planted_dir, run, TrainConfig(dim=16, epochs=4, workers=2), quiet=True, resume=True)
    assert info["epochs_done"] == pytest.approx(4, abs=0.01) and info["resumed_from_step"] >= 1
    assert topic_purity(run, planted_dir) > 0.95


@pytest.mark.parametrize("args, message", [
    (["--dim", "0"], "Invalid value for '--dim'"),
    (["--window-size", "0"], "Invalid value for '--window-size'"),
    (["--epochs", "0"], "Invalid value for '--epochs'"),
    (["--lr", "-1"], "Invalid value for '--lr'"),
    (["--negative", "-1"], "Invalid value for '--negative'"),
])
def test_bad_train_arguments_are_usage_errors(planted_dir, tmp_path, args, message):
    r = CliRunner().invoke(main, ["train", "--data-dir", planted_dir, "--embeddings", str(tmp_path / "v"), *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def damage(src, dst, how):
    import shutil
    shutil.copytree(src, dst)
    if how == "truncate":
        with open(os.path.join(dst, "corpus.bin"), "r+b") as fh:
            fh.truncate(os.path.getsize(os.path.join(dst, "corpus.bin")) - 8)
    elif how == "odd":
        with open(os.path.join(dst, "corpus.bin"), "ab") as fh:
            fh.write(b"\x00")
    elif how == "vocab":
        with open(os.path.join(dst, "vocab.json"), "w") as fh:
            fh.write('{"words": ["a", "b"')
    elif how == "offsets":
        os.remove(os.path.join(dst, "offsets.npy"))


@pytest.mark.parametrize("how, message", [
    ("truncate", "truncated"), ("odd", "not a whole number"), ("vocab", "vocab.json' is damaged"),
    ("offsets", "has no offsets.npy"), ("missing", "does not exist"),
])
def test_damaged_data_dir_gives_one_line_error(planted_dir, tmp_path, how, message):
    dst = str(tmp_path / "d")
    if how != "missing":
        damage(planted_dir, dst, how)
    r = CliRunner().invoke(main, ["train", "--data-dir", dst, "--embeddings", str(tmp_path / "v")])
    assert r.exit_code == 1, r.output
    assert r.output.startswith("Error: ") and message in r.output and len(r.output.strip().splitlines()) == 1


def test_unwritable_log_is_an_error_and_leaves_no_segment(planted_dir, tmp_path):
    r = CliRunner().invoke(main, ["train", "--data-dir", planted_dir, "--embeddings", str(tmp_path / "v"),
                                  "--log-jsonl", str(tmp_path / "no" / "such" / "dir" / "log.jsonl")])
    assert r.exit_code == 1 and r.output.startswith("Error: ") and "log.jsonl" in r.output
    assert not shm_entries(os.getpid())


def test_val_loss_uses_the_validation_corpus(tmp_path):
    from conftest import planted_text
    from hogwild_w2v.preprocess import preprocess
    (tmp_path / "train.txt").write_text(planted_text(1500, seed=1))
    (tmp_path / "val.txt").write_text(planted_text(200, seed=2))
    preprocess([str(tmp_path / "train.txt")], str(tmp_path / "d"), min_count=1, val_input=str(tmp_path / "val.txt"))
    info = train(str(tmp_path / "d"), str(tmp_path / "v"), TrainConfig(dim=16, epochs=3, val=True), quiet=True)
    assert info["train_tokens"] == int(np.load(tmp_path / "d" / "offsets.npy")[-1])    # nothing held back
    history = info["val_loss"]
    assert history[-1]["epoch"] == 3 and history[-1]["val_loss"] < history[0]["val_loss"]


def test_a_fresh_run_does_not_overwrite_an_earlier_runs_checkpoints(planted_dir, tmp_path):
    run = str(tmp_path / "v")
    train(planted_dir, run, TrainConfig(dim=16, epochs=1), quiet=True)
    before = ckpt.list_checkpoints(run + "_checkpoints")
    r = CliRunner().invoke(main, ["train", "--data-dir", planted_dir, "--embeddings", run, "--dim", "16"])
    assert r.exit_code == 1 and "holds checkpoints of an earlier run" in r.output and "--resume" in r.output
    assert ckpt.list_checkpoints(run + "_checkpoints") == before


@pytest.mark.parametrize("short_of", ["shared memory", "RAM"])
def test_a_model_that_does_not_fit_is_a_one_line_error(planted_dir, tmp_path, monkeypatch, short_of):
    """Docker's default /dev/shm is 64 MB, and RAM runs out too: a model that does not fit must say so, naming
    both figures and the fix, not die of SIGBUS or the OOM killer."""
    import collections
    from hogwild_w2v import shm
    if short_of == "shared memory":
        if not os.path.isdir(shm.SHM_DIR):
            pytest.skip("no /dev/shm here")
        monkeypatch.setattr(shm.shutil, "disk_usage", lambda p: collections.namedtuple("U", "total used free")(
            8 << 20, 8 << 20, 1 << 10))
        start, fix = "Error: shared memory: the model needs", "--shm-size="
    else:
        monkeypatch.setattr(shm.psutil, "virtual_memory", lambda: collections.namedtuple("M", "available")(1 << 10))
        start, fix = "Error: memory: the model needs", "--max-vocab"
    r = CliRunner().invoke(main, ["train", "--data-dir", planted_dir, "--embeddings", str(tmp_path / "v"),
                                  "--dim", "400", "--workers", "1", "-q"])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith(start) and fix in r.output
    assert not shm_entries(os.getpid())


def test_a_stopped_worker_is_reported_within_the_stall_timeout(planted_dir, tmp_path):
    """kill -STOP of one of 2 workers: the run must not hang; it stops with a one-line error naming the pid,
    keeps its last checkpoint, and leaves no process or shared memory behind."""
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 400, workers=2) + ["--stall-timeout", "5"])
    wait_for_progress(proc, run, 0.3)
    kids = psutil.Process(proc.pid).children(recursive=True)
    workers = [k for k in kids if "spawn_main" in " ".join(k.cmdline())]
    t0 = time.time()
    workers[1].suspend()
    out, errs = proc.communicate(timeout=60)
    assert time.time() - t0 < 20
    assert proc.returncode == 1 and "Traceback" not in errs
    last = errs.strip().splitlines()[-1]
    assert last.startswith(f"Error: worker 1 (pid {workers[1].pid}) ") and "--stall-timeout" in last
    assert not shm_entries(proc.pid)
    gone, alive = psutil.wait_procs(kids, timeout=10)
    assert not alive
    for path in ckpt.list_checkpoints(run + "_checkpoints"):
        assert ckpt.verify(path) is None


def test_a_pause_that_a_stopped_worker_never_answers_ends_within_the_stall_timeout(planted_dir, tmp_path):
    run = str(tmp_path / "run")
    proc = run_cli(long_args(planted_dir, run, 400, workers=2) + ["--stall-timeout", "5"])
    wait_for_progress(proc, run, 0.3)
    kids = psutil.Process(proc.pid).children(recursive=True)
    workers = [k for k in kids if "spawn_main" in " ".join(k.cmdline())]
    workers[0].suspend()
    proc.send_signal(signal.SIGINT)                   # asks for a checkpoint: a pause worker 0 cannot answer
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in errs
    assert f"worker 0 (pid {workers[0].pid}) did not pause within 5 s" in errs.strip().splitlines()[-1]
    assert not shm_entries(proc.pid)
    gone, alive = psutil.wait_procs(kids, timeout=10)
    assert not alive


def test_a_checkpoint_that_cannot_be_written_is_a_warning_and_training_goes_on(planted_dir, tmp_path, monkeypatch):
    """A full disk (ENOSPC) at the first checkpoint: a warning on the progress output and in the JSONL log; training
    goes on, later checkpoints are written and so are the outputs. (The coordinator, this process, writes them.)"""
    import errno
    import io
    from hogwild_w2v import checkpoint
    from hogwild_w2v.config import TrainConfig
    real, calls = checkpoint.save, []

    def full_once(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "v_checkpoints"))
        return real(*a, **k)
    monkeypatch.setattr(checkpoint, "save", full_once)
    out, log = io.StringIO(), tmp_path / "log.jsonl"
    info = train(planted_dir, str(tmp_path / "v"), TrainConfig(dim=8, epochs=30, workers=1), stream=out,
                 log_jsonl=str(log), checkpoint_every=0.0)           # a checkpoint at every poll
    assert len(calls) >= 2 and info["epochs_done"] == 30 and os.path.exists(tmp_path / "v_center.npy")
    assert info["checkpoint"] is not None and checkpoint.verify(info["checkpoint"]) is None
    warnings = [line for line in out.getvalue().splitlines() if line.startswith("Warning: checkpoint not written")]
    assert len(warnings) == 1 and "No space left on device" in warnings[0]
    assert sum('"warning"' in line for line in log.read_text().splitlines()) == 1


def test_outputs_are_written_without_copying_a_matrix(tmp_path, monkeypatch):
    """The final vectors go to disk straight from the shared matrices; `combined` is summed a block of rows at a
    time. NumPy reports its allocations to tracemalloc, so the peak is what the writing allocated."""
    import tracemalloc
    from hogwild_w2v import outputs
    monkeypatch.setattr(outputs, "ROW_BLOCK", 1000)
    rng = np.random.default_rng(0)
    mats = {"w_in": rng.random((100_000, 50), dtype=np.float32), "w_out": rng.random((100_000, 50), dtype=np.float32)}
    tracemalloc.start()
    outputs.save_outputs(str(tmp_path / "v"), mats, {"config": {}})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 << 20, peak                                    # each matrix is 20 MB
    assert np.array_equal(np.load(tmp_path / "v_combined.npy"), mats["w_in"] + mats["w_out"])
    assert np.array_equal(np.load(tmp_path / "v_context.npy"), mats["w_out"])


def test_outputs_that_cannot_be_written_exit_1_and_resume_writes_them(planted_dir, tmp_path, monkeypatch):
    import errno
    from hogwild_w2v import trainer
    real = trainer.save_outputs

    def full_disk(prefix, mats, info):
        raise OSError(errno.ENOSPC, "No space left on device", prefix + "_center.npy.tmp")
    monkeypatch.setattr(trainer, "save_outputs", full_disk)
    prefix = str(tmp_path / "v")
    args = ["train", "--data-dir", planted_dir, "--embeddings", prefix, "--dim", "8", "--epochs", "2",
            "--workers", "1", "-q"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1, r.output
    assert r.output.startswith("Error: the outputs could not be written (No space left on device")
    assert "the last checkpoint" in r.output and "--resume" in r.output
    assert not os.path.exists(prefix + "_center.npy") and ckpt.list_checkpoints(prefix + "_checkpoints")
    monkeypatch.setattr(trainer, "save_outputs", real)
    r = CliRunner().invoke(main, args + ["--resume"])
    assert r.exit_code == 0 and "wrote the missing outputs" in r.output, r.output
    assert np.load(prefix + "_center.npy").shape[1] == 8


def test_a_checkpoint_pauses_the_workers_only_for_its_snapshot(planted_dir, tmp_path, monkeypatch):
    """Hashing and writing happen while the workers train on: a write that takes 0.5 s pauses them far less."""
    from hogwild_w2v import checkpoint
    real = checkpoint.save

    def slow(*a, **k):
        time.sleep(0.5)
        return real(*a, **k)
    monkeypatch.setattr(checkpoint, "save", slow)
    info = train(planted_dir, str(tmp_path / "v"), TrainConfig(dim=8, epochs=3, workers=1), quiet=True)
    assert info["checkpoint_pause_s_max"] < 0.25
    path, mats, state = ckpt.load_latest(str(tmp_path / "v_checkpoints"))
    assert state["next_chunk"] == 3 * state["n_chunks"] and np.array_equal(mats["w_in"], np.load(tmp_path / "v_center.npy"))
