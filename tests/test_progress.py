"""The progress line's format (plain output, as in a log file) and the JSON-lines record."""
import io
import json
import re

from hogwild_w2v.progress import Progress, _duration


def test_progress_line_and_closing_line(tmp_path):
    out = io.StringIO()
    log = tmp_path / "log.jsonl"
    p = Progress(total_words=1000, epochs=4, stream=out, plain_every=0, log_jsonl=str(log))
    p.update(0, 0.025, None)
    p.update(300, 0.0175, 2.3456, val_loss=2.5, rss=123, per_worker=[150, 150])
    p.update(1000, 2.5e-6, 1.25, force=True)
    p.close()
    first, middle, last = out.getvalue().splitlines()
    assert re.fullmatch(r"  0\.0%  epoch 1/4 +\d+k words/s  lr 0\.025 +ETA -", first)
    assert re.fullmatch(r" 30\.0%  epoch 2/4 +\d+k words/s  lr 0\.0175 +loss 2\.3456  val 2\.5000  ETA \d+:\d\d",
                        middle)
    assert re.fullmatch(r"100\.0%  epoch 4/4 +\d+k words/s  lr 2\.5e-06 +loss 1\.2500", last)   # no ETA at the end
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["words"] for r in recs] == [0, 300, 1000]
    assert recs[1]["loss"] == 2.3456 and recs[1]["val_loss"] == 2.5 and recs[1]["rss_bytes"] == 123
    assert recs[1]["worker_words"] == [150, 150] and recs[1]["lr"] == 0.0175


def test_quiet_writes_only_the_log(tmp_path):
    out = io.StringIO()
    p = Progress(total_words=10, epochs=1, quiet=True, stream=out, log_jsonl=str(tmp_path / "l.jsonl"))
    p.update(5, 0.01, 1.0)
    p.message("checkpoint written")
    p.close()
    assert out.getvalue() == "" and (tmp_path / "l.jsonl").read_text().count("\n") == 1


def test_durations():
    assert _duration(59) == "0:59" and _duration(61) == "1:01" and _duration(3600 + 62) == "1:01:02"
    assert _duration(-5) == "0:00"


def test_preprocess_reports_bytes_read_up_to_the_total(tmp_path):
    from hogwild_w2v.preprocess import preprocess
    import gzip
    (tmp_path / "a.txt").write_text("the cat sat\n" * 2000)
    with gzip.open(tmp_path / "b.txt.gz", "wt") as fh:
        fh.write("the dog ran\n" * 2000)
    seen = []
    preprocess([str(tmp_path / "a.txt"), str(tmp_path / "b.txt.gz")], str(tmp_path / "d"), min_count=1,
               progress=lambda done, total: seen.append((done, total)))
    total = (tmp_path / "a.txt").stat().st_size + (tmp_path / "b.txt.gz").stat().st_size
    assert seen and all(t == total for _, t in seen) and seen[-1][0] == total
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)               # never goes back


def test_byte_progress_line():
    from hogwild_w2v.progress import ByteProgress
    out = io.StringIO()
    p = ByteProgress("reading", stream=out, plain_every=0)
    p.update(50_000_000, 200_000_000)
    p.update(200_000_000, 200_000_000)
    p.update(200_000_000, 200_000_000)                                       # said once
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"reading:  25\.0%  50 of 200 MB  [\d.]+ MB/s  ETA \d+:\d\d", lines[0])
    assert re.fullmatch(r"reading: 100\.0%  200 of 200 MB  [\d.]+ MB/s", lines[1])
