"""Training across machines: MPI ranks, each a Hogwild trainer (a coordinator and its workers), kept in step by
all-reduce (the scheme of Intel's pWord2Vec, Ji et al. 2016, arXiv:1604.04661).

    mpiexec -n R hw2v train --distributed ...      (pip install 'hw2v[mpi]': mpi4py and the PyPI MPICH wheels)

* **Work.** The run's chunks (batching.chunk_bounds: epochs x chunks, numbered as on one machine) are dealt
  round-robin: rank r trains chunks r, r + R, r + 2R, ... with its own workers and shared memory.
* **Sync points.** A sync point is a chunk number S: every `sync_words` words of each rank (rounded to whole
  chunks, a multiple of R), every epoch's end and the run's end. A rank's workers claim no chunk at or past S
  (worker.CHUNK_LIMIT) until the sync is done, so the run's chunks 0..S-1, and nothing else, are trained when it
  happens: the same point in every run, whatever the machines' speeds. That makes a seeded run with 1 worker per
  rank bit-identical, and a checkpoint (always at a full sync) one number, `next_chunk` = S, exactly as on one
  machine: it resumes with any number of ranks and workers.
* **Combining the ranks' moves: twice their mean, each rank stepping R/2 times as far.** A rank's workers train
  with max(1, R/2) x the schedule's learning rate (worker.train_chunks `lr_factor`), and a sync sets each synced
  row, on every rank, to its value at the row's last sync plus k = min(R, 2) times the mean of the ranks' moves
  since (MPI_Allreduce of the moves, / (R/k)). A row only one rank trained (a rare word) ends moved by its
  linear step, as on one machine; rows that every rank moved a little get the sum of what one machine's R/2 x
  faster steps give; a row that every rank took all the way to the minimum of its own terms within a period (a
  frequent word) lands at most as far past that minimum as it started before it (k = 2: the error changes sign,
  it does not grow; summing, k = R, diverged at 4 ranks), and one that went part way converges. k = 1 (the mean
  of the replicas, each rank at R x the rate: the linear-scaling rule) trains like one process at R x the rate,
  which costs accuracy beyond 2 ranks; k = 2 halves that factor. Measured: docs/DISTRIBUTED.md. Each rank keeps
  the rows' values at their last sync (`base`: one copy of the model beside the shared one). Frequent rows move
  most, so most syncs cover only them (vocabulary ids are in frequency order): sync k covers the 1024 x 2^j most
  frequent rows, 2^j the largest power of two dividing k (pWord2Vec's tiers), and every row at every
  FULL_EVERY-th sync, epoch end and the run's end. The Huffman tree's inner nodes (`--hs`) are tiered from the
  root end, where the frequent words' paths run.
* **The settled rows** (since the eleventh session). The most frequent rows settle within a period: every rank
  takes them to the minimum of its own terms, and k x the mean move then sends them as far past it as they started
  (their agreed moves point opposite ways from one sync to the next: cosine -0.83 for the 16 most frequent input
  rows at 4 ranks). A row whose word occurs at least SETTLED_OCCURRENCES times in each rank's period (~250 rows of
  the bench corpus at the default period; never more than TIER_ROWS, which every sync covers) is instead set to
  the ranks' mean end point, where they settled, plus the part of its minimum's drift that no rank saw: each rank's
  minimum moved with that rank's own share of the other rows' moves, lr_factor / R of what the sync gives them, so
  (1 - lr_factor / R) x the drift is added, the drift being the mean end point's move from one sync to the next
  averaged over about 250,000 words of each rank (DRIFT_DECAY a default period: 10 of them). This history is
  part of the checkpoint (checkpoint.EXTRA arrays), so resume stays bit-identical. Measured against k x the mean
  move: docs/DISTRIBUTED.md. Under `--hs` the Huffman tree's inner nodes settle the same way (since the twelfth
  session): every word below a node passes it, so a node's count is theirs summed (huffman.node_counts), the
  root's every word's, and the nodes at the root end that reach SETTLED_OCCURRENCES are settled rows of w_hs.
* **The batch mode** (`--sync-mode batch`, since the fourteenth session; `SYNC_MODES`). What the default mode
  loses beyond 2 ranks is the frequent rows being trained apart between syncs (each rank's moves of them made
  without the others'): every row past the ~1,024 most frequent is trained as one process trains it by the sum of
  the ranks' moves at the default period. So this mode syncs after every worker's batch (chunks of one kernel call,
  a period of one chunk for each of a rank's workers), covering the 64 most frequent rows, 64 x 2^j rows every
  2^j-th sync and every row every 128th; the ranks' moves are summed (k = R, each rank at the schedule's rate), so
  a hot row takes the R ranks' batches as one process would take R consecutive ones. The settled rule stays (at
  that period, a row is settled only if its word is 10 of a rank's 256 words: 1 row of the bench corpus). The
  coordinator looks for its workers' end of a period a twentieth of a period apart (`poll_interval`). Chunks stay
  whole lines: a corpus of long lines makes a long period, and the trainer warns. Measured (docs/DISTRIBUTED.md):
  within 0.3 analogy points of one process at 2, 4 and 8 ranks, at about twice the default mode's time, most of it
  waiting at each sync for the rank with the longest chunk; its full syncs make it unfit for a vocabulary of a
  million words (on paper).
* **Learning rate.** On the global word count: the sum over ranks at the last sync, plus R x this rank's words
  since (worker.LR_BASE / LR_SCALE / LR_LOCAL).
* **Stops and checkpoints** are agreed at sync points: a signal on any rank, or rank 0's checkpoint clock, is
  all-reduced with the word counts and acted on at the next full sync (a point fixed by the corpus, so a stopped
  and resumed run is bit-identical to one that was not stopped); rank 0 gathers every rank's worker states and
  writes the checkpoint, and on a stop every rank exits 128 + the signal number.
* **Faults.** A rank that dies ends the job through MPI (mpiexec ends the other ranks); each rank's shared-memory
  names are gone once its workers attached (shm.unlink_names) and its workers leave when their coordinator is
  gone. An error found on one rank alone, or anything it raises (cli/train.py), is printed by that rank
  and ends every rank (`abort`).

What the sync costs, and quality against the number of ranks: docs/DISTRIBUTED.md.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from .checkpoint import EXTRA        # checkpoint arrays of the settled rows' history: sync_end.w_in.npy, ...
from .errors import HW2VError
from .worker import CHUNK_LIMIT, LR_BASE, LR_LOCAL, LR_SCALE, local_chunks

TIER_ROWS = 1024              # the smallest tier: the most frequent rows, synced every time
MOVE_GAIN = 2                 # k: a sync moves a row k x the ranks' mean move (module docstring)
SETTLED_OCCURRENCES = 10      # a row whose word occurs this often in each rank's period settles within it (docstring)
DRIFT_DECAY = 0.9             # the settled rows' drift, averaged over ~10 default periods (~250,000 words a rank)
FULL_EVERY = 8                # every 8th periodic sync covers every row: where checkpoints and stops happen
DEFAULT_SYNC_WORDS = 25_000   # words each rank trains between syncs (docs/DISTRIBUTED.md: longer cost quality)
SETTLING = ("w_in", "w_out")  # the matrices whose rows are words (w_hs's are Huffman nodes)
END_PREFIX, DRIFT_PREFIX = EXTRA + "end.", EXTRA + "drift."    # their history's checkpoint arrays, + matrix name
POLL_FLOOR = 1e-4             # the shortest sleep of a coordinator waiting for its workers at a sync point (s)
ABORT_GRACE = 0.5             # seconds between a rank's last line and MPI_Abort (RankSync.abort)
MPI_EXTRA = "pip install 'hw2v[mpi]' (mpi4py and MPICH wheels), or mpi4py built against your site's MPI"


@dataclass(frozen=True)
class SyncMode:
    """How often the ranks sync, which rows, and how their moves combine (`--sync-mode`; module docstring)."""
    tier_rows: int                  # the smallest tier: the most frequent rows, synced every time
    full_every: int                 # every full_every-th periodic sync covers every row
    gain: int | None                # k = min(R, gain): a sync moves a row k x the ranks' mean move; None: k = R
    sync_words: int | None          # words a rank trains between syncs; None: one batch a worker
    chunk_batches: int | None       # kernel calls in a chunk (the run's unit of work); None: the config's


SYNC_MODES = {
    # every 25,000 words a rank: cheap on bytes and waits; short of one process beyond 2 ranks
    "periodic": SyncMode(TIER_ROWS, FULL_EVERY, MOVE_GAIN, DEFAULT_SYNC_WORDS, None),
    # after every worker's batch, the 64 most frequent rows, tiers doubling, every row every 128 syncs; the
    # ranks' moves summed, each rank at the schedule's rate: the hot rows trained as one process trains them
    "batch": SyncMode(64, 128, None, None, 1),
}
DEFAULT_SYNC_MODE = "periodic"


class CollectiveError(HW2VError):
    """An error every rank raises at once (found together): rank 0 prints it, every rank exits 1."""


def mpi_comm():
    """COMM_WORLD, or a one-line error that says what to install."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise HW2VError(f"--distributed needs mpi4py: {MPI_EXTRA}") from None
    return MPI.COMM_WORLD


def launched_by_mpi(environ):
    """True when this process was started by mpiexec/srun with more than one rank (MPICH, Open MPI, Slurm)."""
    for key in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS"):
        try:
            if int(environ.get(key, "1")) > 1:
                return True
        except ValueError:
            pass
    return False


def file_sha256(path, block=1 << 22):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def settled_rows(counts, period_words, corpus_words=None, most=TIER_ROWS):
    """How many rows settle within a period: those used, on average, at least SETTLED_OCCURRENCES times in each
    rank's `period_words`, `counts` being each row's uses in the corpus's `corpus_words` (default: the counts' sum,
    as for words; a Huffman node's count is the summed count of the words below it). Never more than `most`, the
    tier synced every time."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum() if corpus_words is None else corpus_words
    return int(min(np.count_nonzero(c * (period_words / max(total, 1.0)) >= SETTLED_OCCURRENCES), most))


def history_from(arrays):
    """The settled rows' history (RankSync.history) from a checkpoint's arrays (RankSync.history_arrays)."""
    ends = {k[len(END_PREFIX):]: v for k, v in arrays.items() if k.startswith(END_PREFIX)}
    return {name: (end, arrays[DRIFT_PREFIX + name]) for name, end in ends.items() if DRIFT_PREFIX + name in arrays}


def chunks_a_period(sync_words, chunk_words):
    """A rank's chunks between syncs: `sync_words` rounded to whole chunks, at least one."""
    return max(1, round(sync_words / chunk_words))


def tier_slice(name, rows, n):
    """The rows of matrix `name` (n rows) that a sync of `rows` rows covers."""
    if rows >= n:
        return slice(0, n)
    return slice(n - rows, n) if name == "w_hs" else slice(0, rows)


def tier_rows(k, vocab_size, smallest=TIER_ROWS, full_every=FULL_EVERY):
    """Rows synced by periodic sync number k (1, 2, ...): `smallest` x the largest power of two dividing k, and
    all of them every `full_every`-th sync."""
    return vocab_size if k % full_every == 0 else min(smallest * (k & -k), vocab_size)


class RankSync:
    """One rank's side of the run: which chunks it trains, when it syncs, and the collective steps."""

    def __init__(self, comm, sync_words=None, overlap=False, mode=DEFAULT_SYNC_MODE):
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.mode_name, self.mode = mode, SYNC_MODES[mode]
        self.sync_words = self.mode.sync_words if sync_words is None else sync_words   # None: a batch a worker
        self.overlap = overlap                # tier syncs all-reduce a copy while the workers train on
        self.pending = None                   # such a sync in flight: (requests, words, flags, rows, local words)
        self.syncs = 0
        self.sync_seconds = 0.0
        self.sync_bytes = 0
        self.pending_stop, self.pending_checkpoint = 0, False
        self.settled = 0                      # the most frequent rows, that settle within a period (plan)
        self.settled_nodes = 0                # the same for the Huffman tree's inner nodes (--hs), at the root end
        self.drift_decay = DRIFT_DECAY        # a period's weight in their drift's average (plan: by its length)
        self.history = {}                     # their ranks' mean end point at the last sync and drift, by matrix
        self.last_sync_at, self.period_seconds = None, None     # wall clock: the last sync, a period's (average)

    @property
    def gain(self):
        """k: how many times the ranks' mean move a sync applies, min(R, MOVE_GAIN) (module docstring), or R, their
        summed moves, in the batch mode."""
        return self.size if self.mode.gain is None else min(self.size, self.mode.gain)

    @property
    def lr_factor(self):
        """R / k: each rank's workers step that many times as far as the schedule says, so that k x the mean of
        R ranks' moves is, for a row in the linear regime, the sum of their moves at the schedule's rate."""
        return self.size / self.gain

    # ---- before training ---------------------------------------------------------------------
    def check_data(self, data):
        """Every rank must train the same corpus and vocabulary: their sha256 are compared across ranks."""
        mine = (file_sha256(os.path.join(data.path, "corpus.bin")), data.vocab_sha256)
        everyone = self.comm.allgather(mine)
        bad = [r for r, sha in enumerate(everyone) if sha != everyone[0]]
        if bad:
            what = "corpus.bin" if everyone[bad[0]][0] != everyone[0][0] else "vocab.json"
            raise CollectiveError(f"the ranks' data differ: rank {bad[0]}'s {what} has another sha256 than rank 0's "
                            f"(every rank must open the same preprocessed data)")

    def agree_start(self, start):
        """Rank 0's starting point (`start()`: matrices and checkpoint state, or its one-line error), on every
        rank: the state by pickle, the matrices by Bcast (no size limit, no copy through pickle)."""
        if self.rank == 0:
            try:
                mats, state = start()
                head = ("ok", {k: (m.shape, m.dtype.str) for k, m in mats.items()}, state)
            except HW2VError as exc:
                head = ("error", str(exc), None)
        else:
            head = None
        kind, shapes, state = self.comm.bcast(head, root=0)
        if kind == "error":
            raise CollectiveError(shapes)
        if self.rank != 0:
            mats = {k: np.empty(shape, dtype=dtype) for k, (shape, dtype) in shapes.items()}
        for k in sorted(mats):
            self.comm.Bcast(mats[k], root=0)
        self.keep_base(mats)
        self.history = history_from((state or {}).get("extra_arrays", {}))
        return mats, state

    def keep_base(self, mats):
        """Remember the agreed matrices: each row's value at its last sync, from which the ranks' moves are counted
        (none with one rank, which syncs nothing)."""
        self.base = {k: m.copy() for k, m in mats.items()} if self.size > 1 else None

    def plan(self, bounds, offsets, epochs, next_chunk, chunk_words, ctrl, words_at_start, counts=None,
             node_counts=None, workers=1):
        """Set up this rank's share of the run from chunk `next_chunk` on, and its workers' chunk limit and
        learning-rate count (`ctrl`); with the vocabulary's `counts` (frequency order), which rows settle within a
        period, and with the Huffman tree's `node_counts` (huffman.node_counts, --hs), which inner nodes. Without
        `sync_words` (the batch mode) a period is a chunk for each of the rank's `workers`. Returns (first local
        chunk, number of local chunks)."""
        self.n_chunks = len(bounds) - 1
        self.total = epochs * self.n_chunks
        self.sizes = np.diff(np.asarray(offsets)[np.asarray(bounds)]).astype(np.int64)   # raw words of each chunk
        local = workers if self.sync_words is None else chunks_a_period(self.sync_words, chunk_words)
        self.period = self.size * local                                                     # run chunks a period
        if counts is not None and self.size > 1:
            most = self.mode.tier_rows
            self.settled = settled_rows(counts, local * chunk_words, most=most)
            if node_counts is not None:
                self.settled_nodes = settled_rows(node_counts, local * chunk_words, float(np.sum(counts)), most)
        # the drift is averaged over as many words whatever the period: DRIFT_DECAY a default period
        self.drift_decay = DRIFT_DECAY ** (local / chunks_a_period(DEFAULT_SYNC_WORDS, chunk_words))
        self.start_local = local_chunks(next_chunk, self.size, self.rank)
        self.point = next_chunk
        self.target = 0                       # this rank's words from its start to the current sync point
        self.words_at_start = words_at_start
        ctrl[LR_BASE], ctrl[LR_SCALE], ctrl[LR_LOCAL] = words_at_start, self.size, 0
        self.advance(ctrl)
        return self.start_local, local_chunks(self.total, self.size, self.rank)

    def next_point(self, after):
        """The sync point after chunk number `after`: the next multiple of the period, epoch end or the end."""
        nxt = (after // self.period + 1) * self.period
        epoch_end = (after // self.n_chunks + 1) * self.n_chunks
        return min(nxt, epoch_end, self.total)

    def advance(self, ctrl):
        """Move to the next sync point: raise the workers' chunk limit and the words they must reach."""
        old_limit = local_chunks(self.point, self.size, self.rank)
        self.point = self.next_point(self.point)
        limit = local_chunks(self.point, self.size, self.rank)
        runs = np.arange(max(old_limit, self.start_local), limit, dtype=np.int64) * self.size + self.rank
        self.target += int(self.sizes[runs % self.n_chunks].sum())
        ctrl[CHUNK_LIMIT] = limit

    def full_at(self, point):
        """Whether the sync at `point` covers every row: at an epoch's end, the end, and every `full_every`-th
        periodic point (where the tiers reach the whole vocabulary)."""
        if point % self.n_chunks == 0 or point >= self.total:
            return True
        return (point // self.period) % self.mode.full_every == 0

    # ---- at a sync point ---------------------------------------------------------------------
    def reached(self, local_words):
        return local_words >= self.target

    def sync(self, mats, ctrl, local_words, stop_signal, checkpoint_due):
        """All ranks: set the synced rows of the matrices to base + k x the ranks' mean move (all rows at epoch
        ends, the end and every FULL_EVERY-th sync; a tier of frequent rows otherwise), set the global word count,
        and agree on stops and checkpoints, which are acted on at the next full sync: a point fixed by the corpus
        position, so that a stopped and resumed run is bit-identical to one that was not stopped, and a
        checkpoint's replicas are all the same. Returns (stop signal or 0, checkpoint now?), both 0 / False except
        at a full sync.

        With `overlap` (--sync-overlap) a tier sync does not wait for the other ranks: it copies its rows and
        starts all-reducing its move (copy - base), the word count and the flags (non-blocking), and the workers
        train on; at the next sync point each rank adds (the agreed rows - its copy) to its rows, keeping what it
        learnt since. The correction lands at a point fixed by the corpus, so runs stay deterministic; the tier
        rows' agreement is one period later. Full syncs block: a checkpoint needs identical replicas."""
        from mpi4py import MPI
        t0 = time.perf_counter()
        self.syncs += 1
        self._time_period(t0)
        self._complete(mats, ctrl)
        full = self.full_at(self.point)
        words = np.array([local_words], dtype=np.int64)
        flags = np.array([stop_signal or 0, int(bool(checkpoint_due) and self.rank == 0)], dtype=np.int64)
        if self.overlap and not full and self.size > 1:
            requests = [self.comm.Iallreduce(MPI.IN_PLACE, words, op=MPI.SUM),
                        self.comm.Iallreduce(MPI.IN_PLACE, flags, op=MPI.MAX)]
            rows = []
            for name, m in mats.items():
                sl = self._synced(name, m, full)
                copy = m[sl].copy()
                move = copy - self.base[name][sl]
                requests.append(self.comm.Iallreduce(MPI.IN_PLACE, move, op=MPI.SUM))
                rows.append((name, sl, copy, move))
                self.sync_bytes += copy.nbytes
            self.pending = (requests, words, flags, rows, local_words)
            self.sync_seconds += time.perf_counter() - t0
            return 0, False
        self.comm.Allreduce(MPI.IN_PLACE, words, op=MPI.SUM)
        self.comm.Allreduce(MPI.IN_PLACE, flags, op=MPI.MAX)
        self._agree(ctrl, words, flags, local_words)
        stop, ckpt_now = (self.pending_stop, self.pending_checkpoint) if full else (0, False)
        if full:
            self.pending_checkpoint = False
        for name, m in mats.items():
            sl = self._synced(name, m, full)
            part = m[sl]
            if self.size > 1:                 # base + k x the ranks' mean move, in place on every rank
                part -= self.base[name][sl]
                self.comm.Allreduce(MPI.IN_PLACE, part, op=MPI.SUM)
                self._agreed(name, sl, part)
            self.sync_bytes += part.nbytes
        self.sync_seconds += time.perf_counter() - t0
        return stop, ckpt_now

    def _time_period(self, now):
        """A period's wall-clock length, averaged over the last ~10 (the coordinator's poll interval follows it)."""
        if self.last_sync_at is not None:
            took = now - self.last_sync_at
            self.period_seconds = took if self.period_seconds is None else 0.9 * self.period_seconds + 0.1 * took
        self.last_sync_at = now

    def poll_interval(self, longest):
        """How long the coordinator may sleep once its workers near the sync point: `longest`, or a twentieth of
        a period if that is less, so that short periods (the batch mode's: a batch, a millisecond or two) are not
        spent waiting for the coordinator to look (not below 0.1 ms: the clock's and the scheduler's grain)."""
        if self.period_seconds is None:               # before the second sync: not measured yet
            return longest
        return min(longest, max(POLL_FLOOR, self.period_seconds / 20))

    def _synced(self, name, m, full):
        """The rows of matrix `name` (`m`) the sync at the current point covers: all at a full sync, else its tier."""
        n = m.shape[0]
        rows = n if full else tier_rows(self.point // self.period, n, self.mode.tier_rows, self.mode.full_every)
        return tier_slice(name, rows, n)

    def _agree(self, ctrl, words, flags, local_words):
        """The all-reduced word count (at the point where this rank had trained `local_words`) and flags."""
        self.pending_stop = max(self.pending_stop, int(flags[0]))
        self.pending_checkpoint |= bool(flags[1])
        ctrl[LR_BASE], ctrl[LR_SCALE], ctrl[LR_LOCAL] = self.words_at_start + int(words[0]), self.size, local_words

    def _complete(self, mats, ctrl):
        """Finish the overlapped sync in flight, if any: each of its rows += (its agreed value: base + k x the ranks'
        mean move) - this rank's copy, keeping what the rank learnt since the copy."""
        if self.pending is None:
            return
        from mpi4py import MPI
        requests, words, flags, rows, local_at = self.pending
        self.pending = None
        MPI.Request.Waitall(requests)
        self._agree(ctrl, words, flags, local_at)
        for name, sl, copy, moves in rows:
            agreed = self._agreed(name, sl, moves)
            agreed -= copy
            mats[name][sl] += agreed

    def _agreed(self, name, sl, moves):
        """The ranks' summed moves of rows `sl` of matrix `name`, in place -> the agreed rows, base + k x their mean
        move (sum / (R / k)), except the settled rows: the ranks' mean end point plus (1 - lr_factor / R) x their
        drift (`settled_value`). The agreed rows become the new base. Returns `moves`, now the agreed rows."""
        base = self.base[name][sl]
        part = self._settled_part(name, sl, moves.shape[0])
        if part is not None:
            settled = self.settled_value(name, base[part] + moves[part] * np.float32(1.0 / self.size))
        moves *= np.float32(1.0 / self.lr_factor)
        moves += base
        if part is not None:
            moves[part] = settled
        base[...] = moves
        return moves

    def _settled_part(self, name, sl, rows):
        """The settled rows within a synced block `sl` (`rows` rows) of matrix `name`, as a slice of the block, or
        None: the first `settled` rows of w_in and w_out (frequency order), the last `settled_nodes` of w_hs (the
        root end; its blocks always end there, tier_slice)."""
        if name in SETTLING and not sl.start and self.settled:
            return slice(0, min(self.settled, rows))
        if name == "w_hs" and self.settled_nodes:
            return slice(rows - min(self.settled_nodes, rows), rows)
        return None

    def settled_value(self, name, end):
        """The settled rows' agreed value from `end`, the ranks' mean end point: end + (1 - lr_factor / R) x the
        drift, an average (`drift_decay`) of how far `end` moved from one sync to the next (module docstring)."""
        last = self.history.get(name)
        if last is None or last[0].shape != end.shape:      # the first sync, or a checkpoint of another period
            drift = np.zeros_like(end)
        else:
            drift = self.drift_decay * last[1] + (1 - self.drift_decay) * (end - last[0])
        self.history[name] = (end, drift)
        return end + np.float32(1.0 - self.lr_factor / self.size) * drift

    def history_arrays(self):
        """What a checkpoint keeps of the settled rows' history (resume is bit-identical with it): name -> array."""
        out = {}
        for name, (end, drift) in sorted(self.history.items()):
            out[END_PREFIX + name], out[DRIFT_PREFIX + name] = end, drift
        return out

    def poll(self):
        """Let MPI move an overlapped sync's data while the workers train: MPICH progresses non-blocking
        collectives inside MPI calls, so the coordinator calls this every time it looks."""
        if self.pending is not None:
            from mpi4py import MPI
            MPI.Request.Testall(self.pending[0])

    def abort(self, code):
        """End every rank now (an error found on this rank alone: the others would wait for it at the next sync
        for ever). MPI kills the job's processes; shared memory goes with them (shm.unlink_names). The process
        manager forwards a rank's output asynchronously, and MPI_Abort can end the job before this rank's last
        line (its `Error: ...`) is through: a CI run once got an empty stderr. ABORT_GRACE seconds let it through."""
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(ABORT_GRACE)
        self.comm.Abort(code)
        os._exit(code)                 # MPI_Abort may return before the process manager ends this process

    def gather(self, value):
        """Every rank's value on rank 0 (a list there, None elsewhere)."""
        return self.comm.gather(value, root=0)

    def summary(self, mats):
        """What PREFIX_config.json records about the ranks (after the last, full sync)."""
        return {"ranks": self.size, "syncs": self.syncs, "settled_rows": self.settled,
                "settled_nodes": self.settled_nodes,
                "sync_seconds": self.comm.allgather(self.sync_seconds), "sync_bytes_per_rank": self.sync_bytes,
                "sync_mode": self.mode_name, "sync_words": self.sync_words, "sync_period_chunks": self.period,
                "sync_overlap": self.overlap,
                "replicas_identical": self.replicas_identical(mats)}

    def replicas_identical(self, mats):
        """After a full sync: do all ranks hold the same bytes? (sha256 of every matrix, compared on rank 0)"""
        h = hashlib.sha256()
        for name in sorted(mats):
            h.update(np.ascontiguousarray(mats[name]).tobytes())
        digests = self.comm.allgather(h.hexdigest())
        return all(d == digests[0] for d in digests)
