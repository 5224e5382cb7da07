"""Preprocessing cost against corpus size: the bench corpus repeated k times (gzip members concatenated).

    python scripts/scale.py --copies 1 4 14 [--corpus ../shared/corpora/bench.txt.gz] [--workdir DIR]

For each k: wall time and peak resident memory of `hw2v preprocess`, run under a fresh wrapper process so
that the wrapper's RUSAGE_CHILDREN `ru_maxrss` is that one run's peak.
Time should grow linearly with k and memory should not grow at all.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WRAP = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpora", "bench.txt.gz"))
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 4, 14])
    ap.add_argument("--workdir")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="hw2v-scale-")
    os.makedirs(work, exist_ok=True)
    blob = open(args.corpus, "rb").read()
    for k in args.copies:
        src = os.path.join(work, f"x{k}.txt.gz")
        with open(src, "wb") as fh:
            for _ in range(k):
                fh.write(blob)
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", WRAP, sys.executable, "-m", "hogwild_w2v", "preprocess", src,
                            "--data-dir", os.path.join(work, f"d{k}"), "--force", "-q"],
                           check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        peak_kib = int(r.stdout.strip().splitlines()[-1])
        meta = json.load(open(os.path.join(work, f"d{k}", "meta.json")))
        print(json.dumps({"copies": k, "tokens": meta["tokens"], "seconds": round(seconds, 2),
                          "tokens_per_s": round(meta["tokens"] / seconds),
                          "peak_rss_mib": round(peak_kib / 1024, 1),
                          "vocab": meta["vocab_size"]}), flush=True)
        os.remove(src)


if __name__ == "__main__":
    main()
