#!/bin/bash
# after slq.sh: the same at 8 ranks, seeds 1-2
cd /work/runs/r14
while pgrep -f slq.sh > /dev/null; do sleep 5; done
export OPENBLAS_NUM_THREADS=1 PYTHONPATH=/work/wt/r14s HW2V_SLICES=1
/work/main/.venv/bin/python /work/wt/r14s/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/slices.jsonl --workdir /work/runs/r14/dqs --sync-mode batch --ranks 8 --seeds 1 2
