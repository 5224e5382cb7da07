#!/bin/bash
# 8 ranks in the batch mode, seeds 4-6 (dev box; one process's 4-6 are in dist.jsonl)
cd /work/runs/r14
export OPENBLAS_NUM_THREADS=1
/work/main/.venv/bin/python /work/main/scripts/distributed_quality.py --data /work/runs/data/bench --out /work/runs/r14/dist.jsonl --workdir /work/runs/r14/dq --ranks 8 --seeds 4 5 6 --sync-mode batch
