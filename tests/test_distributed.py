"""Training across MPI ranks (issue 14): run under `mpiexec -n 2` from the test's own venv (the `mpi` extra:
mpi4py and the MPICH wheels); skipped where that is not installed."""
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest
from click.testing import CliRunner

from hogwild_w2v import checkpoint as ckpt
from hogwild_w2v.cli import main
from hogwild_w2v.distributed import DEFAULT_SYNC_WORDS, DRIFT_DECAY, TIER_ROWS, RankSync, settled_rows
from hogwild_w2v.huffman import build_tree, node_counts
from hogwild_w2v.worker import CTRL_SLOTS

from conftest import planted_text, preprocessed_dir, python_cmd, topic_score, topical_zipf_text

MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")
needs_mpi = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or not os.path.exists(MPIEXEC),
                               reason="the mpi extra (mpi4py, mpich) is not installed")


@pytest.fixture(scope="module")
def ranks_dir(tmp_path_factory):
    return preprocessed_dir(tmp_path_factory, "ranks", planted_text(n_sentences=8_000, seed=3))


BATCH = ["--sync-mode", "batch"]     # with it, train_args leaves the period to the mode: a batch a worker


def train_args(data_dir, prefix, epochs=6, extra=()):
    period = [] if "--sync-mode" in extra else ["--sync-words", "5000"]
    return ["train", "--data-dir", data_dir, "--embeddings", prefix, "--dim", "16", "--epochs", str(epochs),
            "--workers", "1", "--seed", "4", "--distributed", *period, "-q", *extra]


def mpirun(n, args, **kw):
    return subprocess.run([MPIEXEC, "-n", str(n), *python_cmd(), *args], capture_output=True, text=True,
                          timeout=300, **kw)


def run_script(tmp_path, text, ranks):
    """Run a script of collective arithmetic on `ranks` real ranks; each prints "ok" when its checks pass."""
    script = tmp_path / "script.py"
    script.write_text(text)
    r = subprocess.run([MPIEXEC, "-n", str(ranks), sys.executable, str(script)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("ok") == ranks, r.stdout       # every rank got there (their lines may interleave)


def ours(pids):
    """hw2v segments of these processes still named in /dev/shm."""
    names = os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else []
    return [n for n in names if any(n.startswith(f"hw2v_{p}_") for p in pids)]


@needs_mpi
@pytest.mark.parametrize("extra", [[], ["--sync-overlap"], BATCH])
def test_two_ranks_agree_and_seeded_runs_are_bit_identical(ranks_dir, tmp_path, extra):
    for name in ("a", "b"):
        r = mpirun(2, train_args(ranks_dir, str(tmp_path / name), extra=extra))
        assert r.returncode == 0, r.stderr
    a, b = (np.load(tmp_path / f"{n}_center.npy") for n in "ab")
    assert np.array_equal(a, b)
    info = json.loads((tmp_path / "a_config.json").read_text())
    assert info["ranks"] == 2 and info["replicas_identical"] and info["syncs"] > 6   # more syncs than epochs
    assert info["sync_overlap"] == ("--sync-overlap" in extra)
    if extra == BATCH:                   # a sync after every batch: chunks of one batch, a period of one chunk a rank
        assert "Warning" not in r.stderr                # short lines: chunks of about a batch
        assert info["sync_mode"] == "batch" and info["config"]["chunk_batches"] == 1
        assert info["sync_period_chunks"] == 2 and info["syncs"] * 2 * info["config"]["batch_words"] > \
            0.9 * info["words_done"]
    if extra:
        return
    assert info["words_done"] == 6 * info["train_tokens"]
    # one rank is exactly the run on one machine
    r = mpirun(1, train_args(ranks_dir, str(tmp_path / "one")))
    assert r.returncode == 0, r.stderr
    plain = [a for a in train_args(ranks_dir, str(tmp_path / "plain")) if a not in ("--distributed",)]
    plain = plain[:plain.index("--sync-words")] + plain[plain.index("--sync-words") + 2:]
    assert CliRunner().invoke(main, plain).exit_code == 0
    assert np.array_equal(np.load(tmp_path / "one_center.npy"), np.load(tmp_path / "plain_center.npy"))


@needs_mpi
def test_overlapped_syncs_are_another_schedule_of_the_same_averages(ranks_dir, tmp_path):
    """--sync-overlap: tier syncs do not wait (their average lands a period later); the run ends with identical
    replicas, and it is a different run from the blocking default."""
    for name, extra in (("b", []), ("o", ["--sync-overlap"])):
        r = mpirun(2, train_args(ranks_dir, str(tmp_path / name), extra=extra))
        assert r.returncode == 0, r.stderr
        info = json.loads((tmp_path / f"{name}_config.json").read_text())
        assert info["replicas_identical"] and info["sync_overlap"] == (name == "o")
    assert not np.array_equal(np.load(tmp_path / "b_center.npy"), np.load(tmp_path / "o_center.npy"))


OVERLAP_SCRIPT = """
import numpy as np
from mpi4py import MPI
from hogwild_w2v.distributed import RankSync
from hogwild_w2v.worker import CTRL_SLOTS
comm = MPI.COMM_WORLD
r = comm.Get_rank()
sync = RankSync(comm, sync_words=10, overlap=True)
ctrl = np.zeros(CTRL_SLOTS, np.int64)
sync.plan(np.arange(101), np.arange(0, 1001, 10), 1, 0, 10, ctrl, 0)    # 100 chunks of 10 words; period 2 chunks
mats, _ = sync.agree_start(lambda: ({"w_in": np.full((4, 2), 1.0, np.float32)}, None))   # the agreed start: 1
mats["w_in"] += 2.0 * r                               # rank 0 moves 0, rank 1 moves +2
assert not sync.full_at(sync.point)
sync.sync(mats, ctrl, 10, 0, False)                   # starts the all-reduce of the moves, returns at once
assert np.all(mats["w_in"] == 1.0 + 2.0 * r)          # nothing applied yet: the workers train on
mats["w_in"][0] += 10.0 * (r == 0)                    # rank 0 learns something after the copy
sync.advance(ctrl)
sync.sync(mats, ctrl, 20, 0, False)                   # completes it: rows += agreed - own copy
expect = np.full((4, 2), 3.0, np.float32)             # agreed: 1 + k (= 2) x the mean move (1)
expect[0] += 10.0 * (r == 0)
assert np.array_equal(mats["w_in"], expect), mats["w_in"]
print("ok", r)
"""


@needs_mpi
def test_an_overlapped_sync_adds_the_agreed_rows_minus_its_own_copy_later(tmp_path):
    """The overlapped sync's arithmetic, on two real ranks: a copy's move goes out at one point, and at the next
    point each rank's rows become the agreed rows (the start + 2 x the mean move) plus what that rank learnt in
    between."""
    run_script(tmp_path, OVERLAP_SCRIPT, 2)


BLOCKING_SCRIPT = """
import numpy as np
from mpi4py import MPI
from hogwild_w2v.distributed import RankSync
from hogwild_w2v.worker import CTRL_SLOTS
comm = MPI.COMM_WORLD
r, R = comm.Get_rank(), comm.Get_size()
sync = RankSync(comm, sync_words=10)
assert sync.gain == min(R, 2) and sync.lr_factor == R / min(R, 2)
ctrl = np.zeros(CTRL_SLOTS, np.int64)
sync.plan(np.arange(101), np.arange(0, 1001, 10), 1, 0, 10, ctrl, 0)
mats, _ = sync.agree_start(lambda: ({"w_in": np.full((4, 2), 1.0, np.float32)}, None))
mats["w_in"] += r + 1.0                               # rank r moves r + 1: the mean move is (R + 1) / 2
sync.sync(mats, ctrl, 10, 0, False)
first = 1.0 + min(R, 2) * (R + 1) / 2
assert np.allclose(mats["w_in"], first), mats["w_in"]
mats["w_in"] += 1.0                                   # every rank moves 1 from the agreed rows
sync.advance(ctrl)
sync.sync(mats, ctrl, 20, 0, False)
assert np.allclose(mats["w_in"], first + min(R, 2)), mats["w_in"]
print("ok", r)
"""


SETTLED_SCRIPT = """
import numpy as np
from mpi4py import MPI
from hogwild_w2v.distributed import DEFAULT_SYNC_WORDS, DRIFT_DECAY, RankSync
from hogwild_w2v.worker import CTRL_SLOTS
comm = MPI.COMM_WORLD
r, R = comm.Get_rank(), comm.Get_size()
sync = RankSync(comm, sync_words=20)
ctrl = np.zeros(CTRL_SLOTS, np.int64)
counts = np.array([700, 50, 40, 10])                  # row 0 occurs 20 x 700 / 800 = 17.5 times in a rank's period
nodes = np.array([50, 100, 800])                      # Huffman nodes, root last: only the root is passed >= 10 times
sync.plan(np.arange(101), np.arange(0, 1001, 10), 1, 0, 10, ctrl, 0, counts, nodes)
assert (sync.settled, sync.settled_nodes) == (1, 1)
assert np.isclose(sync.drift_decay, DRIFT_DECAY ** (2 / (DEFAULT_SYNC_WORDS / 10)))   # 2 chunks a period: as many words
mats, _ = sync.agree_start(lambda: ({"w_in": np.full((4, 2), 1.0, np.float32),
                                     "w_hs": np.full((3, 2), 1.0, np.float32)}, None))
c = np.float32(1 - sync.lr_factor / R)                # the share of the drift the ranks did not see: 1/2
end = np.float32(1.0 + (R + 1) / 2)                   # rank r moves r + 1: the ranks' mean end point
for m in mats.values():
    m += r + 1.0
sync.sync(mats, ctrl, 10, 0, False)
first = 1.0 + min(R, 2) * (R + 1) / 2                 # the other rows: base + k x the mean move
assert np.allclose(mats["w_in"][1:], first) and np.allclose(mats["w_in"][0], end), mats["w_in"]   # no drift yet
assert np.allclose(mats["w_hs"][:2], first) and np.allclose(mats["w_hs"][2], end), mats["w_hs"]   # the root end
for m in mats.values():
    m += 2.0                                          # every rank moves 2 from the agreed rows
sync.advance(ctrl)
sync.sync(mats, ctrl, 20, 0, False)
drift = (1 - sync.drift_decay) * 2.0                  # the mean end point moved 2 since the last sync
for name, rows, settled in (("w_in", slice(1, 4), 0), ("w_hs", slice(0, 2), 2)):
    assert np.allclose(mats[name][rows], first + 2.0 * min(R, 2)), mats[name]
    assert np.allclose(mats[name][settled], end + 2.0 + c * drift), mats[name]
    assert np.allclose(sync.history_arrays()["sync_drift." + name], drift)
print("ok", r)
"""


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_settled_rows_become_the_ranks_mean_end_point_plus_the_drift_they_did_not_see(tmp_path, ranks):
    """The most frequent rows (those that settle within a period) are not moved k x the mean move from their last
    agreed value, which sends a settled row as far past its minimum as it started: they become the ranks' mean end
    point, plus (1 - lr_factor / R) x their drift, the average move of that end point from sync to sync."""
    run_script(tmp_path, SETTLED_SCRIPT, ranks)


def test_a_huffman_nodes_count_is_the_words_below_it_and_it_settles_by_the_corpus_words():
    counts = np.array([8, 4, 2, 1, 1])
    tree = build_tree(counts)
    nodes = node_counts(tree, counts)
    assert nodes.tolist() == [2, 4, 8, 16]            # (1 + 1), (2 + 2), (4 + 4), the root: every word
    for w in range(len(counts)):                      # every word's path passes nodes that hold at least its count
        assert (nodes[tree.points[w, :tree.lengths[w]]] >= counts[w]).all()
    assert settled_rows(nodes, 10, corpus_words=16) == 1      # the root: 10 x 16 / 16 times; the next 5


def test_the_settled_rows_are_those_that_occur_ten_times_in_a_ranks_period():
    counts = np.array([1000, 400, 100, 50, 10, 5])    # 1,565 words
    assert settled_rows(counts, 100) == 2             # 63.9, 25.6 times; the next 6.4
    assert settled_rows(counts, 200) == 3             # 12.8 times
    assert settled_rows(counts, 10) == 0
    assert settled_rows(np.full(5000, 10), 10 ** 7) == TIER_ROWS     # never more than the rows synced every time


@pytest.mark.parametrize("sync_words, decay", [(DEFAULT_SYNC_WORDS, DRIFT_DECAY), (2_500, DRIFT_DECAY ** (2 / 24)),
                                               (250_000, DRIFT_DECAY ** (244 / 24))])
def test_the_drift_is_averaged_over_as_many_words_whatever_the_period(sync_words, decay):
    """DRIFT_DECAY a default period (24 chunks of 1,024 words a rank): a period a tenth as long weighs a tenth as
    much, so that the average spans ~250,000 words of each rank either way (measured: docs/DISTRIBUTED.md)."""
    sync = RankSync(FakeComm(0, 4), sync_words=sync_words)
    ctrl = np.zeros(CTRL_SLOTS, np.int64)
    sync.plan(np.arange(0, 12_801, 128), np.arange(0, 102_401, 8), 1, 0, 1024, ctrl, 0)   # 100 chunks of 1,024
    assert sync.drift_decay == pytest.approx(decay, rel=1e-12)


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_a_sync_moves_rows_twice_the_ranks_mean_move_from_their_last_agreed_value(tmp_path, ranks):
    """The blocking sync's arithmetic on real ranks: every row becomes its value at the last sync plus k = min(R, 2)
    times the mean of the ranks' moves since (each rank stepping R / k times as far), counted afresh at each sync."""
    run_script(tmp_path, BLOCKING_SCRIPT, ranks)


@needs_mpi
def test_the_batch_mode_says_when_long_lines_make_its_period_long(tmp_path_factory, tmp_path):
    """Chunks are whole lines: lines of 2,000 tokens make every chunk, so the batch mode's period, that long. It
    still trains, and rank 0 says so once, with what to do."""
    data = preprocessed_dir(tmp_path_factory, "long_lines", topical_zipf_text(n_lines=40, line_len=2000, seed=2))
    r = mpirun(2, train_args(data, str(tmp_path / "v"), epochs=1, extra=BATCH))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("Warning: --sync-mode batch") == 1 and "2,000 tokens on average" in r.stderr


@needs_mpi
@pytest.mark.parametrize("mode", [[], BATCH])
def test_quality_with_two_ranks_matches_one(tmp_path_factory, tmp_path, mode):
    """The planted topics of the stability corpus are learnt as well by 2 ranks as by 1, in either sync mode."""
    data = preprocessed_dir(tmp_path_factory, "zipf_ranks", topical_zipf_text(n_lines=400, seed=5))
    words = json.load(open(os.path.join(data, "vocab.json")))["words"]
    scores = {}
    for n in (1, 2):
        prefix = str(tmp_path / f"r{n}")
        r = mpirun(n, train_args(data, prefix, epochs=5, extra=["--lr", "0.05", *(mode if n > 1 else [])]))
        assert r.returncode == 0, r.stderr
        scores[n] = topic_score(np.load(prefix + "_center.npy"), words)
    assert scores[1] > 0.8 and scores[2] >= scores[1] - 0.05, scores


@needs_mpi
@pytest.mark.parametrize("sig, code, extra", [(signal.SIGINT, 130, []), (signal.SIGTERM, 143, ["--sync-overlap"]),
                                              (signal.SIGTERM, 143, BATCH)])
def test_a_signal_checkpoints_every_rank_and_resume_is_bit_identical(ranks_dir, tmp_path, sig, code, extra):
    ref = str(tmp_path / "ref")
    assert mpirun(2, train_args(ranks_dir, ref, epochs=30, extra=extra)).returncode == 0
    run = str(tmp_path / "run")
    proc = subprocess.Popen([MPIEXEC, "-n", "2", *python_cmd(), *train_args(ranks_dir, run, epochs=30, extra=extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.isdir(os.path.join(run + "_checkpoints", "ckpt-000001")) and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    out, errs = proc.communicate(timeout=120)
    assert proc.returncode == code, errs
    assert errs.count("--resume") == 1 and "Traceback" not in errs         # one rank speaks
    r = mpirun(2, train_args(ranks_dir, run, epochs=30, extra=["--resume", *extra]))
    assert r.returncode == 0, r.stderr
    assert json.loads(open(run + "_config.json").read())["resumed_from_step"] >= 2
    if extra != BATCH:                  # (no word of this corpus is 10 of a batch's 256 words: none settles there)
        assert json.loads(open(ref + "_config.json").read())["settled_rows"] > 0  # their history was resumed too
        assert os.path.exists(os.path.join(ckpt.list_checkpoints(run + "_checkpoints")[-1], "sync_drift.w_out.npy"))
    assert np.array_equal(np.load(ref + "_center.npy"), np.load(run + "_center.npy"))
    assert np.array_equal(np.load(ref + "_context.npy"), np.load(run + "_context.npy"))


@needs_mpi
def test_a_killed_rank_ends_the_job_and_resume_finishes(ranks_dir, tmp_path):
    run = str(tmp_path / "run")
    args = train_args(ranks_dir, run, epochs=40)
    proc = subprocess.Popen([MPIEXEC, "-n", "2", *python_cmd(), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.isdir(os.path.join(run + "_checkpoints", "ckpt-000001")) and time.time() < deadline:
        time.sleep(0.05)
    ranks = [p for p in psutil.Process(proc.pid).children(recursive=True) if "hogwild_w2v" in " ".join(p.cmdline())
             and "train" in p.cmdline()]
    assert len(ranks) == 2
    tree = [p for r in ranks for p in [r, *r.children(recursive=True)]]
    t0 = time.time()
    ranks[1].kill()
    proc.communicate(timeout=60)
    assert proc.returncode != 0 and time.time() - t0 < 30
    gone, alive = psutil.wait_procs(tree, timeout=15)
    assert not alive
    assert not ours([r.pid for r in ranks])
    assert ckpt.load_latest(run + "_checkpoints") is not None           # intact
    one = str(tmp_path / "one")                 # the same checkpoint resumed on one machine: its sync_* arrays unused
    shutil.copytree(run + "_checkpoints", one + "_checkpoints")
    plain = [a for a in train_args(ranks_dir, one, epochs=40) if a != "--distributed"]
    plain = plain[:plain.index("--sync-words")] + plain[plain.index("--sync-words") + 2:]
    r = CliRunner().invoke(main, plain + ["--resume"])
    assert r.exit_code == 0, r.output
    assert json.loads(open(one + "_config.json").read())["epochs_done"] == 40
    r = mpirun(2, args + ["--resume"])
    assert r.returncode == 0, r.stderr
    assert json.loads(open(run + "_config.json").read())["epochs_done"] == 40


@needs_mpi
def test_ranks_with_different_data_stop_with_one_line(ranks_dir, tmp_path_factory, tmp_path):
    other = preprocessed_dir(tmp_path_factory, "other", planted_text(n_sentences=8_000, seed=4))
    prefix = str(tmp_path / "v")
    cmd = [MPIEXEC, "-n", "1", *python_cmd(), *train_args(ranks_dir, prefix), ":",
           "-n", "1", *python_cmd(), *train_args(other, prefix)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: the ranks' data differ: rank 1's corpus.bin has another sha256 than rank 0's "
                      "(every rank must open the same preprocessed data)"], r.stderr
    assert not os.path.exists(prefix + "_center.npy")


def test_distributed_without_mpi4py_says_what_to_install(planted_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)          # import mpi4py raises ImportError
    r = CliRunner().invoke(main, train_args(planted_dir, str(tmp_path / "v")))
    assert r.exit_code == 1
    assert r.output.strip().startswith("Error: --distributed needs mpi4py: pip install 'hw2v[mpi]'")


def test_the_batch_mode_takes_no_sync_words(planted_dir, tmp_path):
    """Its period is a batch a worker; a longer one would sum the ranks' moves of the frequent rows over it."""
    r = CliRunner().invoke(main, ["train", "--data-dir", planted_dir, "--embeddings", str(tmp_path / "v"),
                                  "--distributed", "--sync-mode", "batch", "--sync-words", "5000"])
    assert r.exit_code == 2 and "--sync-words applies to --sync-mode periodic" in r.output


def test_several_ranks_without_distributed_is_refused(planted_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    args = [a for a in train_args(planted_dir, str(tmp_path / "v")) if a != "--distributed"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and "add --distributed" in r.output


@needs_mpi
def test_an_error_on_a_rank_ends_every_rank_with_its_line(ranks_dir, tmp_path):
    """A failure found by one rank alone (here a divergence: an absurd rate, undamped) must not leave the others waiting
    at the next sync for ever: the rank says what and the job ends, non-zero, no segment left."""
    t0 = time.time()
    r = mpirun(2, train_args(ranks_dir, str(tmp_path / "v"), epochs=20, extra=["--lr", "1000", "--no-damping"]))
    assert r.returncode != 0 and time.time() - t0 < 60
    lines = [line for line in r.stderr.splitlines() if line.startswith("Error: rank ")]
    assert lines and all("training diverged" in line for line in lines), r.stderr
    assert "Traceback" not in r.stderr
    assert not os.path.exists(tmp_path / "v_center.npy")


INJECT = """
import sys
from hogwild_w2v import distributed
real_sync = distributed.RankSync.sync
def sync(self, *args, **kwargs):
    if self.rank == 1 and self.syncs == 2:
        raise {exc}
    return real_sync(self, *args, **kwargs)
distributed.RankSync.sync = sync
from hogwild_w2v.cli import main
main(sys.argv[1:], prog_name="hw2v")
"""


@needs_mpi
@pytest.mark.parametrize("exc, line", [("RuntimeError('planted')", "unexpected RuntimeError: planted (at "),
                                       ("OSError(28, 'No space left on device', '/x/y')",
                                        "No space left on device '/x/y'")])
def test_a_surprise_on_one_rank_ends_every_rank(ranks_dir, tmp_path, exc, line):
    """Not only the library's own errors: anything one rank raises alone (a bug, an OSError, no memory) ends the job
    with one line, rather than leaving the other ranks waiting at the next sync for ever (as a traceback on rank 1
    did: the job hung until killed)."""
    t0 = time.time()
    r = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-c", INJECT.format(exc=exc),
                        *train_args(ranks_dir, str(tmp_path / "v"), epochs=20)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and time.time() - t0 < 60
    assert f"Error: rank 1: {line}" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not os.path.exists(tmp_path / "v_center.npy")


class FakeComm:
    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return self.size


@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_ranks_share_the_chunks_exactly_and_sync_at_the_same_points(ranks):
    """No MPI needed: the schedule alone. Every chunk belongs to exactly one rank; every rank's sync points are the
    same chunk numbers (period multiples, every epoch's end, the end); at each point the ranks' words add up to
    exactly the words of the chunks before it (what makes the point the same in every run, and a checkpoint there
    one number); and all rows are synced at epoch ends and every FULL_EVERY-th sync."""
    from hogwild_w2v.distributed import FULL_EVERY, TIER_ROWS, RankSync, tier_rows
    from hogwild_w2v.worker import CHUNK_LIMIT, CTRL_SLOTS, local_chunks
    rng = np.random.default_rng(ranks)
    offsets = np.concatenate([[0], np.cumsum(rng.integers(1, 40, 700))])
    bounds = np.arange(0, 701, 7)                        # 100 chunks an epoch
    epochs, chunk_words = 3, 140
    syncs = [RankSync(FakeComm(r, ranks), sync_words=1_000) for r in range(ranks)]
    ctrls = [np.zeros(CTRL_SLOTS, np.int64) for _ in range(ranks)]
    starts = [s.plan(bounds, offsets, epochs, 0, chunk_words, c, 0) for s, c in zip(syncs, ctrls)]
    total = epochs * 100
    assert sum(n for _, n in starts) == total == sum(local_chunks(total, ranks, r) for r in range(ranks))
    sizes = np.diff(offsets[bounds])
    points = []
    while True:
        point = syncs[0].point
        assert all(s.point == point for s in syncs)
        assert sum(s.target for s in syncs) == sum(int(sizes[c % 100]) for c in range(point))
        assert all(c[CHUNK_LIMIT] == local_chunks(point, ranks, r) for r, c in enumerate(ctrls))
        points.append(point)
        if point >= total:
            break
        for s, c in zip(syncs, ctrls):
            s.advance(c)
    period = syncs[0].period
    assert period % ranks == 0
    assert set(points) == set(range(period, total, period)) | {100, 200, 300}
    full = [p for p in points if syncs[0].full_at(p)]
    assert {100, 200, 300} <= set(full) and all(p % 100 == 0 or (p // period) % FULL_EVERY == 0 for p in full)
    assert [tier_rows(k, 10 ** 6) for k in (1, 2, 3, 4, FULL_EVERY)] == \
        [TIER_ROWS, 2 * TIER_ROWS, TIER_ROWS, 4 * TIER_ROWS, 10 ** 6]


def test_the_batch_mode_syncs_the_hot_rows_after_every_workers_batch_and_sums_the_moves():
    """--sync-mode batch: a period is one chunk (of one batch: the trainer's chunk_batches) for each of a rank's
    workers; every sync covers the 64 most frequent rows, 64 x 2^j every 2^j-th, all of them every 128th and at
    epoch ends; the ranks' moves are summed (k = R), each rank stepping at the schedule's rate; no more rows settle
    than the 64 synced every time."""
    from hogwild_w2v.distributed import SYNC_MODES, tier_rows
    mode = SYNC_MODES["batch"]
    assert (mode.tier_rows, mode.full_every, mode.chunk_batches) == (64, 128, 1)
    sync = RankSync(FakeComm(1, 4), mode="batch")
    assert sync.gain == 4 and sync.lr_factor == 1.0
    ctrl = np.zeros(CTRL_SLOTS, np.int64)
    n_chunks = 12 * 1000                                 # an epoch of 1,000 periods
    counts = np.concatenate([np.full(70, 1000), np.full(930, 7)])   # 70 words, each 10.04 of a rank's 768
    sync.plan(np.arange(n_chunks + 1), np.arange(n_chunks + 1) * 256, 1, 0, 256, ctrl, 0, counts=counts, workers=3)
    assert sync.period == 12 and sync.settled == 64      # 4 ranks x 3 workers x one chunk; 70 would settle
    m = np.zeros((10_000, 2), np.float32)
    rows = []
    for k in range(1, 257):
        sync.point = k * sync.period
        rows.append(sync._synced("w_in", m, sync.full_at(sync.point)).stop)
    assert rows[:8] == [64, 128, 64, 256, 64, 128, 64, 512] and rows[127] == rows[255] == 10_000
    assert rows[:127] == [tier_rows(k, 10_000, 64, 128) for k in range(1, 128)] and max(rows[:127]) == 64 * 64
    assert sync.full_at(n_chunks)                        # the epoch's end


def test_the_coordinator_looks_as_often_as_a_short_period_needs():
    """It sleeps up to `longest` between looks, or a twentieth of a period (measured, averaged) if that is less, not
    under 0.1 ms: the batch mode's millisecond periods are not spent waiting for it, the default's 50 ms stay."""
    from hogwild_w2v.distributed import POLL_FLOOR
    sync = RankSync(FakeComm(0, 2))
    assert sync.poll_interval(0.05) == 0.05             # nothing measured yet
    for t in (0.0, 0.004, 0.008, 0.012):                 # 4 ms periods
        sync._time_period(t)
    assert sync.poll_interval(0.05) == pytest.approx(0.0002) and sync.poll_interval(0.0001) == 0.0001
    for t in (0.013, 0.014, 0.015):
        sync._time_period(t)
    assert sync.poll_interval(0.05) >= POLL_FLOOR
    slow = RankSync(FakeComm(0, 2))
    for t in (0.0, 1.0, 2.0):
        slow._time_period(t)
    assert (slow.poll_interval(0.002), slow.poll_interval(0.05)) == (0.002, 0.05)


def test_a_resumed_rank_starts_where_its_chunks_stopped():
    """A checkpoint at chunk S resumed with R' ranks: rank r's first chunk is its first at or after S, so the ranks
    together train every chunk from S on exactly once."""
    from hogwild_w2v.worker import local_chunks
    for S in (0, 7, 48, 99):
        for ranks in (1, 2, 3, 5):
            firsts = [local_chunks(S, ranks, r) * ranks + r for r in range(ranks)]
            assert sorted(firsts) == list(range(S, S + ranks))


def run_worker_loop(data_dir, cfg, lr_factor):
    """One worker's whole loop in this process, on one machine's shared state; returns its matrices."""
    import threading
    from hogwild_w2v.batching import chunk_bounds
    from hogwild_w2v.data import open_data
    from hogwild_w2v.models import matrix_shapes
    from hogwild_w2v.worker import CHUNK_LIMIT, CTRL_SLOTS, LR_SCALE, Shared, train_chunks
    data = open_data(data_dir)
    rng = np.random.default_rng(0)
    mats = {k: (rng.random(shape, dtype=np.float32) - 0.5) / shape[1]
            for k, shape in matrix_shapes(cfg, len(data.counts)).items()}
    ctrl = np.zeros(CTRL_SLOTS, np.int64)
    ctrl[CHUNK_LIMIT], ctrl[LR_SCALE] = 10 ** 9, 1        # no sync point; the lr on this worker's words
    shared = Shared(mats, np.zeros((1, 2), np.int64), np.zeros((1, 2)), ctrl, threading.Lock())
    bounds = chunk_bounds(data.offsets, cfg.chunk_words)
    assert train_chunks(cfg, shared, corpus=data.corpus, offsets=data.offsets, bounds=bounds, counts=data.counts,
                        rng=np.random.default_rng(1), wid=0, total_words=cfg.epochs * data.tokens,
                        on_pause=lambda: None, lr_factor=lr_factor)
    return mats


def test_a_ranks_workers_step_lr_factor_times_as_far(ranks_dir):
    """Across R ranks every step's learning rate is lr_factor (R / 2) x the schedule's: the same run as one
    machine's at that factor x --lr and --min-lr."""
    from hogwild_w2v.config import TrainConfig
    cfg = TrainConfig(dim=8, epochs=1, seed=2)
    scaled = run_worker_loop(ranks_dir, cfg, lr_factor=4.0)
    faster = run_worker_loop(ranks_dir, TrainConfig(dim=8, epochs=1, seed=2, lr=4 * cfg.lr, min_lr=4 * cfg.final_lr),
                             lr_factor=1.0)
    plain = run_worker_loop(ranks_dir, cfg, lr_factor=1.0)
    for k in scaled:
        np.testing.assert_array_equal(scaled[k], faster[k])
        assert not np.array_equal(scaled[k], plain[k])
