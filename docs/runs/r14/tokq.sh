#!/bin/bash
# the batch mode with even chunks (cut="tokens"), tree /work/wt/r14, dev box: 4, 8, 2 ranks x seeds 1-3, then 4 ranks 4-6
cd /work/runs/r14
export OPENBLAS_NUM_THREADS=1 PYTHONPATH=/work/wt/r14
DQ="/work/main/.venv/bin/python /work/wt/r14/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/tok.jsonl --workdir /work/runs/r14/dqt --sync-mode batch"
$DQ --ranks 4 --seeds 1 2 3
$DQ --ranks 8 --seeds 1 2 3
$DQ --ranks 2 --seeds 1 2 3
$DQ --ranks 4 --seeds 4 5 6
