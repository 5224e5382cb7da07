#!/bin/bash
# lab.sh NAME R SEED [env...]
name=$1; R=$2; seed=$3; shift 3
cd /work/runs/r13 && env "$@" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH=${SRC:-/work/main} /work/main/.venv/bin/python ${LAB:-lab.py} /work/runs/data/bench lab/$name $R $seed 2> lab/$name.log
echo "$name R=$R seed=$seed $*: $(OPENBLAS_NUM_THREADS=1 PYTHONPATH=/work/main /work/main/.venv/bin/python ev.py /work/runs/data/bench lab/$name 2>&1 | tail -1)" | tee -a lab_results.txt
