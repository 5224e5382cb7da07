#!/bin/bash
# runw.sh NAME RANKS SEED SYNCWORDS [env...]
name=$1; R=$2; seed=$3; sw=$4; shift 4
cd "$(dirname "$0")" && mkdir -p $name
env "$@" PYTHONPATH=${BUILD:?the experimental build: a checkout of 05a6af6 with experiments.patch applied} ${VENV:?a venv with hw2v[mpi] installed}/bin/mpiexec -n $R ${VENV:?a venv with hw2v[mpi] installed}/bin/python -m hogwild_w2v train --data-dir ${DATA:-DATA/bench} --embeddings $name/v --epochs 3 --workers 1 --seed $seed --distributed --sync-words $sw --force -q > $name/log 2>&1
echo "$name R=$R seed=$seed sw=$sw $* rc=$?: $(${VENV:?a venv with hw2v[mpi] installed}/bin/python ev.py ${DATA:-DATA/bench} $name/v 2>&1 | tail -1)" | tee -a results.txt
