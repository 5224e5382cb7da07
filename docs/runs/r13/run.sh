#!/bin/bash
# run.sh NAME RANKS SEED SYNCWORDS [extra train args] -- [env...]   (RANKS=0: one process, no --distributed)
name=$1; R=$2; seed=$3; sw=$4; shift 4
args=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done; [ "$1" == "--" ] && shift
cd /work/runs/r13 && mkdir -p $name
if [ "$R" == 0 ]; then
  env "$@" PYTHONPATH=${SRC:-/work/wt/r13} /work/main/.venv/bin/python -m hogwild_w2v train --data-dir /work/runs/data/bench --embeddings $name/v --epochs 3 --workers 1 --seed $seed --force -q "${args[@]}" > $name/log 2>&1
else
  env "$@" PYTHONPATH=${SRC:-/work/wt/r13} /work/main/.venv/bin/mpiexec -n $R /work/main/.venv/bin/python -m hogwild_w2v train --data-dir /work/runs/data/bench --embeddings $name/v --epochs 3 --workers 1 --seed $seed --distributed --sync-words $sw --force -q "${args[@]}" > $name/log 2>&1
fi
echo "$name R=$R seed=$seed sw=$sw ${args[*]} $* rc=$?: $(/work/main/.venv/bin/python ev.py /work/runs/data/bench $name/v 2>&1 | tail -1)" | tee -a results.txt
