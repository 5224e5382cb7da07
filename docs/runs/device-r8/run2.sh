#!/bin/bash
# device run: R ranks x W workers on one 16-core machine (issue 14), bench corpus, 3 epochs
cd "$(dirname "$0")/.."
python3 -V; nproc; lscpu | grep -E "Model name|^CPU\(s\)|Thread"; date -u
python3 -m venv --system-site-packages /tmp/v && /tmp/v/bin/pip install -q --no-index --find-links .devcarry/wheels numpy mpi4py mpich click psutil || exit 3
/tmp/v/bin/python -c "import numpy, mpi4py; print('numpy', numpy.__version__, 'mpi4py', mpi4py.__version__)"
ln -sfn ../cli hogwild_w2v/cli
export PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1
P=/tmp/v/bin/python; D=/tmp/bench; mkdir -p $D; cp .devcarry/bench/{vocab.json,offsets.npy,meta.json} $D/; gunzip -c .devcarry/bench/corpus.bin.gz > $D/corpus.bin
one() {  # one machine, 16 workers, seed $1
  $P -m hogwild_w2v train --data-dir $D --embeddings /tmp/one16-$1/v --epochs 3 --workers 16 --seed $1 --force -q
  $P - <<PY >> $OUT/one.jsonl
import json
from hogwild_w2v.vectors import Vectors
from hogwild_w2v.evaluate import evaluate_analogies, evaluate_pairs
info = json.load(open("/tmp/one16-$1/v_config.json"))
v = Vectors.load("/tmp/one16-$1/v_center.npy", "$D/vocab.json")
a = evaluate_analogies(v, "hogwild_w2v/evalsets/questions-words.txt"); p = evaluate_pairs(v, "hogwild_w2v/evalsets/wordsim353.tsv")
print(json.dumps({"ranks": 1, "workers": 16, "seed": $1, "total": 100*a["total"]["accuracy"], "sem": 100*a["semantic"]["accuracy"], "ws353": p["spearman"], "words_per_s": info["words_per_s"], "seconds": info["train_seconds"]}))
PY
  tail -1 $OUT/one.jsonl
}
dq() {  # ranks workers sync_words seeds...
  r=$1; w=$2; sw=$3; shift 3
  $P scripts/distributed_quality.py --data $D --ranks $r --workers $w --sync-words $sw --seeds "$@" --out $OUT/dist.jsonl --workdir /tmp/dq 2>&1 | grep -v "^|" | tail -2
}
one 3
dq 4 4 25000 3
dq 4 4 100000 2 3
dq 8 2 25000 2 3
dq 16 1 25000 2 3
dq 2 8 25000 2 3
