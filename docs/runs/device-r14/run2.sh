#!/bin/bash
# Device run 2, fourteenth session (16 cores; results under $OUT):
#  1. the batch mode's time against the periodic mode's, each run alone, 8 and 4 ranks x 1 worker, 1 epoch, seed 1;
#     then rank 0 of an 8-rank batch-mode run under cProfile;
#  2. 16 Hogwild workers on one machine, 3 epochs, 3 seeds, --batch-words 256 (the default) and 128: does the
#     16-worker loss shrink with staler-less hot rows, as the ranks' did? (scored in the background)
# Needs, carried: .whl (mpi4py, mpich, gensim, smart_open cp312 wheels), .dev/bench.txt.xz.
cd "$(dirname "$0")/../../.."
T0=$(date +%s); t() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
R=docs/runs/device-r14
SP=$(python3 -c 'import numpy, os; print(os.path.dirname(os.path.dirname(numpy.__file__)))')
python3 -m venv --without-pip /tmp/v || exit 3
echo "$SP" > $(ls -d /tmp/v/lib/python3*/site-packages)/outer.pth
python3 -m pip install -q -I --no-index --no-deps --prefix /tmp/v ${WHL:-.whl}/mpi*.whl || exit 4
P=/tmp/v/bin/python
ln -sfn ../cli hogwild_w2v/cli
export PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
xz -dc ${BENCH_XZ:-.dev/bench.txt.xz} > /tmp/bench.txt
$P -m hogwild_w2v preprocess /tmp/bench.txt --data-dir /tmp/bench -q || exit 6
t "set up"
for r in 8 4; do for m in batch periodic; do
  timeout 60 /tmp/v/bin/mpiexec -n $r $P -m hogwild_w2v train --data-dir /tmp/bench --embeddings /tmp/t/r$r-$m --epochs 1 \
    --workers 1 --seed 1 --distributed --sync-mode $m --force -q
  $P -c "import json; i = json.load(open('/tmp/t/r$r-${m}_config.json')); print(json.dumps({'ranks': $r, 'sync_mode': '$m', 'epochs': 1, **{k: i[k] for k in ('train_seconds', 'words_per_s', 'syncs', 'sync_seconds', 'sync_bytes_per_rank')}}))" | tee -a $OUT/time.jsonl
done; done; t "time"
if [ $(( $(date +%s) - T0 )) -lt 100 ]; then     # where rank 0's coordinator spends a batch-mode run (cProfile)
  timeout 45 /tmp/v/bin/mpiexec -n 8 bash -c "$P -m cProfile -o /tmp/prof.\$PMI_RANK -m hogwild_w2v train --data-dir /tmp/bench --embeddings /tmp/t/prof --epochs 1 --workers 1 --seed 1 --distributed --sync-mode batch --force -q"
  $P -c "import pstats; pstats.Stats('/tmp/prof.0').sort_stats('tottime').print_stats(16)" > $OUT/prof8.txt 2>&1; t "profile"
fi
for bw in 256 128; do for s in 1 2 3; do
  [ $(( $(date +%s) - T0 )) -gt 170 ] && break 2
  $P -m hogwild_w2v train --data-dir /tmp/bench --embeddings /tmp/w16/b$bw-s$s --epochs ${EP:-3} --workers ${W16:-16} --seed $s --batch-words $bw --force -q
  $P $R/ev.py /tmp/bench /tmp/w16/b$bw-s$s "{\"workers\": ${W16:-16}, \"batch_words\": $bw, \"seed\": $s}" >> $OUT/w16.jsonl &
done; done; wait; t "16 workers"; cat $OUT/w16.jsonl
