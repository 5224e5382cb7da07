#!/usr/bin/env bash
# Quality sweep over kernel settings with the real CLI (docs/BENCHMARKS.md, "Negatives per block ...").
#   scripts/sweep.sh DATA_DIR "WORKERS GROUP KB SEED [BATCH]" ...
# e.g. scripts/sweep.sh data "2 48 48 1" "2 48 48 2" "2 32 32 1 512"
# Prints one line per setting: words/s of the run, analogy total and WordSim-353 rho.
set -euo pipefail
data=$1; shift
here=$(cd "$(dirname "$0")/.." && pwd)
eval_dir=${EVAL_DIR:-$here/../shared/eval}
out=$(mktemp -d)
for cfg in "$@"; do
  set -- $cfg
  w=$1 g=$2 k=$3 s=$4 b=${5:-1024}
  prefix=$out/v_${w}_${g}_${k}_${s}_${b}
  hw2v train --data-dir "$data" --embeddings "$prefix" --epochs "${EPOCHS:-3}" --workers "$w" --group "$g" \
      --shared-negatives "$k" --seed "$s" --batch-words "$b" -q
  wps=$(python -c "import json,sys; print(round(json.load(open(sys.argv[1]))['words_per_s']))" "${prefix}_config.json")
  scores=$(hw2v eval "${prefix}_center.npy" "$data/vocab.json" --analogies "$eval_dir/questions-words.txt" \
      --pairs "$eval_dir/wordsim353.tsv" | awk '/^total/ {t=$2} /Spearman/ {r=$4} END {print t, r}')
  echo "workers=$w G=$g Kb=$k seed=$s batch=$b words/s=$wps analogy/ws353=$scores"
  rm -rf "${prefix}"_*
done
rm -rf "$out"
