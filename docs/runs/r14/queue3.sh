#!/bin/bash
# after queue2.sh: seeds 7-9, one process and 4 ranks in the batch mode (dev box)
cd /work/runs/r14

export OPENBLAS_NUM_THREADS=1
DQ="/work/main/.venv/bin/python /work/main/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/dist.jsonl --workdir /work/runs/r14/dq"
$DQ --ranks 1 --seeds 7 8 9
$DQ --ranks 4 --seeds 7 8 9 --sync-mode batch
