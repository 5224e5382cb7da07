"""Progress on stderr (a live line on a terminal, plain periodic lines otherwise) and a JSON-lines log."""
from __future__ import annotations

import json
import sys
import time


def _duration(seconds):
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _write_to(stream, text):
    """Write and flush; False if the stream has gone away (OSError, or ValueError on a closed file)."""
    try:
        stream.write(text)
        stream.flush()
        return True
    except (OSError, ValueError):
        return False


class ByteProgress:
    """`preprocess`'s reading progress: percent of bytes, MB read of total, rate and ETA; a live line on a
    terminal, a plain line every `plain_every` seconds otherwise (and always the last)."""

    def __init__(self, label, stream=None, plain_every=10.0):
        self.label = label
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.plain_every = plain_every
        self.start = self.last_print = time.time()
        self.finished = False

    def update(self, done, total):
        now = time.time()
        finished = done >= total
        if self.finished:
            return
        self.finished = finished
        if not (finished or (self.live and now - self.last_print >= 0.2) or now - self.last_print >= self.plain_every):
            return
        self.last_print = now
        rate = done / max(now - self.start, 1e-9)
        line = (f"{self.label}: {100 * done / max(total, 1):5.1f}%  {done / 1e6:,.0f} of {total / 1e6:,.0f} MB  "
                f"{rate / 1e6:.1f} MB/s")
        if not finished:
            line += f"  ETA {_duration((total - done) / rate)}" if rate > 0 else "  ETA -"
        _write_to(self.stream, ("\r" + line + "\033[K" + ("\n" if finished else "")) if self.live else line + "\n")


class Progress:
    def __init__(self, total_words, epochs, quiet=False, log_jsonl=None, stream=None, plain_every=10.0):
        self.total, self.epochs = total_words, epochs
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.plain_every = plain_every
        self.log = open(log_jsonl, "a", encoding="utf-8") if log_jsonl else None
        self.start = time.time()
        self.last_print = 0.0
        self.last = (self.start, None)            # (time, words) at the previous record
        self.first_words = None                   # words already done when this run started (resume)

    def update(self, words, lr, loss, val_loss=None, rss=None, force=False, per_worker=None):
        now = time.time()
        t0, w0 = self.last
        rate = (words - w0) / max(now - t0, 1e-9) if w0 is not None else 0.0
        if self.first_words is None:
            self.first_words = words
        self.last = (now, words)
        frac = min(1.0, words / self.total) if self.total else 1.0
        epoch = min(self.epochs, int(frac * self.epochs) + 1)
        if self.log:
            rec = {"time": round(now, 3), "elapsed": round(now - self.start, 3), "words": int(words),
                   "words_per_s": round(rate, 1), "lr": lr, "loss": loss, "val_loss": val_loss, "rss_bytes": rss,
                   "worker_words": per_worker}
            self.log.write(json.dumps(rec) + "\n")
            self.log.flush()
        if self.quiet:
            return
        # this run's average (a resumed run starts with words already done); the closing line shows it
        run_rate = (words - self.first_words) / max(now - self.start, 1e-9)
        shown = run_rate if force else rate
        line = f"{100 * frac:5.1f}%  epoch {epoch}/{self.epochs}  {shown / 1000:6.0f}k words/s  lr {lr:<8.3g}"
        if loss is not None:
            line += f"  loss {loss:.4f}"
        if val_loss is not None:
            line += f"  val {val_loss:.4f}"
        if not force:                                                          # the closing line has no ETA
            line += f"  ETA {_duration((self.total - words) / run_rate)}" if run_rate > 0 else "  ETA -"
        if self.live:
            self._write("\r" + line + "\033[K")
        elif force or now - self.last_print >= self.plain_every:
            self._write(line + "\n")
            self.last_print = now

    def _write(self, text):
        """Write to the terminal (whatever -q says: callers decide); a terminal that went away (SIGHUP, a closed
        ssh session) silences the progress output instead of stopping the run."""
        if not _write_to(self.stream, text):
            self.quiet = True

    def message(self, text):
        if not self.quiet:
            self._write(("\n" if self.live else "") + text + "\n")

    def warning(self, text):
        """A line 'Warning: ...' even with -q, and a {"warning": ...} record in the JSON-lines log."""
        if self.log:
            self.log.write(json.dumps({"time": round(time.time(), 3), "warning": text}) + "\n")
            self.log.flush()
        self._write(("\n" if self.live else "") + "Warning: " + text + "\n")      # _write ignores -q

    def close(self):
        if self.live and not self.quiet:
            self._write("\n")
        if self.log:
            self.log.close()
