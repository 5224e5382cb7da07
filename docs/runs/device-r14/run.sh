#!/bin/bash
# Device run, fourteenth session (16 cores; results under $OUT):
#  1. issue 14: --sync-mode batch at 8 and 4 ranks x 3 seeds, 1 worker a rank, bench corpus, 3 epochs; one
#     process x 3 seeds beside it; the periodic mode at 8 and 4 ranks, seed 1, for the time;
#  2. 1 -> 16 workers, hw2v against gensim side by side (scripts/bench.py, 1 epoch, round 7's command);
#  3. 16 workers, 3 epochs, 3 seeds: the default batch and --batch-words 128 (are hot rows the 16-worker loss?).
# Needs, carried: .whl (mpi4py, mpich, gensim, smart_open cp312 wheels), .dev/bench.txt.xz.
cd "$(dirname "$0")/../../.."
T0=$(date +%s); t() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
R=docs/runs/device-r14
{ python3 -V; nproc; lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core"; free -g | head -2; date -u; git log -1 --format=%h 2>/dev/null; } > $OUT/machine.txt 2>&1
SP=$(python3 -c 'import numpy, os; print(os.path.dirname(os.path.dirname(numpy.__file__)))')
python3 -m venv --without-pip /tmp/v || exit 3
echo "$SP" > $(ls -d /tmp/v/lib/python3*/site-packages)/outer.pth
python3 -m pip install -q -I --no-index --no-deps --prefix /tmp/v ${WHL:-.whl}/*.whl || exit 4
P=/tmp/v/bin/python
$P -c "import numpy, mpi4py, gensim, click, psutil; print('numpy', numpy.__version__, 'mpi4py', mpi4py.__version__, 'gensim', gensim.__version__)" >> $OUT/machine.txt 2>&1 || exit 5
ln -sfn ../cli hogwild_w2v/cli
export PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
xz -dc ${BENCH_XZ:-.dev/bench.txt.xz} > /tmp/bench.txt
$P -m hogwild_w2v preprocess /tmp/bench.txt --data-dir /tmp/bench -q || exit 6
t "set up"; cat $OUT/machine.txt
dq() { timeout ${TO:-200} $P scripts/distributed_quality.py --data /tmp/bench --out $OUT/dist.jsonl --workdir /tmp/dq --epochs ${EP:-3} "$@" 2>&1 | grep '^{' ; }
# one process x 3 seeds (mpiexec -n 1 --distributed, periodic: bit-identical to one machine), in the background
for s in 1 2 3; do TO=400 dq --ranks 1 --seeds $s --out $OUT/one-$s.jsonl & done
for s in 1 2 3; do dq --ranks 8 --seeds $s --sync-mode batch; t "8 ranks batch seed $s"; done
dq --ranks 8 --seeds 1; t "8 ranks periodic seed 1"
wait; t "one process done"
for s in 1 2 3; do dq --ranks 4 --seeds $s --sync-mode batch --out $OUT/dist4-$s.jsonl & done; wait; t "4 ranks batch"
dq --ranks 4 --seeds 1; t "4 ranks periodic seed 1"
timeout 260 $P scripts/bench.py --corpus /tmp/bench.txt --workers ${SW:-1 2 4 8 16} --epochs 1 --tools hw2v gensim \
  --bench-python $P --questions hogwild_w2v/evalsets/questions-words.txt --pairs hogwild_w2v/evalsets/wordsim353.tsv \
  --workdir /tmp/bw > $OUT/scale.log 2>&1; t "scaling"; tail -16 $OUT/scale.log
for bw in 256 128; do for s in 1 2 3; do
  [ $(( $(date +%s) - T0 )) -gt 540 ] && break 2
  $P -m hogwild_w2v train --data-dir /tmp/bench --embeddings /tmp/w16/b$bw-s$s --epochs ${EP:-3} --workers ${W16:-16} --seed $s --batch-words $bw --force -q
  $P $R/ev.py /tmp/bench /tmp/w16/b$bw-s$s "{\"workers\": 16, \"batch_words\": $bw, \"seed\": $s}" | tee -a $OUT/w16.jsonl
done; done; t "16 workers"
cat $OUT/one-*.jsonl $OUT/dist4-*.jsonl >> $OUT/dist.jsonl; rm -f $OUT/one-*.jsonl $OUT/dist4-*.jsonl
$P scripts/distributed_quality.py --data /tmp/bench --out $OUT/dist.jsonl --ranks 2>&1 | tail -12
