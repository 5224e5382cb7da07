#!/bin/bash
# hw2v across 8 nodes with Slurm: one MPI rank per node, each a Hogwild trainer with one worker per core.
# Submit with: sbatch examples/slurm.sh   (edit the paths; the data dir must be readable from every node)
#SBATCH --job-name=hw2v
#SBATCH --nodes=8
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=24:00:00
#SBATCH --signal=B:TERM@120          # SIGTERM two minutes before the time limit: a checkpoint, then exit 143

set -euo pipefail
VENV=$HOME/hw2v/.venv                # pip install ".[mpi]" there (or mpi4py built against the site's MPI)
DATA=/shared/w2v/data                # `hw2v preprocess` output, the same files on every node
OUT=/shared/w2v/run1/vec

# srun starts one rank per node through PMI; with MPICH's wheels, mpiexec works as well:
#   $VENV/bin/mpiexec -n $SLURM_NNODES -ppn 1 $VENV/bin/hw2v train ...
# --resume continues the newest checkpoint after a requeue or a time limit (the first run has none: drop it).
RESUME=""
[ -d "${OUT}_checkpoints" ] && RESUME="--resume"
srun --mpi=pmi2 "$VENV/bin/hw2v" train --distributed --data-dir "$DATA" --embeddings "$OUT" \
    --workers "$SLURM_CPUS_PER_TASK" --epochs 5 --dim 300 --checkpoint-every 1800 $RESUME
