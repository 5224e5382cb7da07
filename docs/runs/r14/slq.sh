#!/bin/bash
# EXPERIMENT: even chunks (token cut) + each rank a contiguous slice of the corpus (HW2V_SLICES=1), 4 ranks, seeds 1-3
cd /work/runs/r14
export OPENBLAS_NUM_THREADS=1 PYTHONPATH=/work/wt/r14s HW2V_SLICES=1
/work/main/.venv/bin/python /work/wt/r14s/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/slices.jsonl --workdir /work/runs/r14/dqs --sync-mode batch --ranks 4 --seeds 1 2 3
