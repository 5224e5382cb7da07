#!/bin/bash
# after queue3.sh: CBOW + HS (negative 0) at 4 ranks in the batch mode, seed 1 (the default mode: 10.78, one process 11.27)
cd /work/runs/r14
while pgrep -f queue3.sh > /dev/null; do sleep 5; done
export OPENBLAS_NUM_THREADS=1
/work/main/.venv/bin/python /work/main/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/hs.jsonl --workdir /work/runs/r14/dq --ranks 4 --seeds 1 --sync-mode batch --train-args "--model cbow --hs --negative 0"
