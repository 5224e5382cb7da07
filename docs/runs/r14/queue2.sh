#!/bin/bash
# after queue.sh: 2 ranks in the batch mode, seeds 1-3; then 8 ranks, seeds 4-6 (dev box, 2 cores)
cd /work/runs/r14
while pgrep -f queue.sh > /dev/null; do sleep 5; done
export OPENBLAS_NUM_THREADS=1
DQ="/work/main/.venv/bin/python /work/main/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/dist.jsonl --workdir /work/runs/r14/dq"
$DQ --ranks 2 --seeds 1 2 3 --sync-mode batch
$DQ --ranks 8 --seeds 4 5 6 --sync-mode batch
