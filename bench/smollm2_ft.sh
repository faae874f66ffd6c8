#!/usr/bin/env bash
# The fine-tuned SmolLM2-135M-Instruct (the study's Llama-family FT row): train it with its recipe, score it on
# test as the study's other rows (50 records a task, cd, bf16), then on dev for the shipping decision (a file of
# its own: dev_select_smollm2.json holds the first run of the same recipe, whose adapter was not kept).
# Resumable: a killed training job (session or machine stopped) is resumed from its last checkpoint, and the
# study skips the cells already stored, so after a stop run it again:
#   nohup bash bench/smollm2_ft.sh >> bench/results/train_ft/smollm2_ft.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
NAME=smollm2-135m-ft
job() {  # "ID STATUS" of the newest training job named $1, or nothing
  $MEDUI jobs --json | .venv/bin/python -c '
import json, sys
rows = [j for j in json.load(sys.stdin) if j["name"] == sys.argv[1]]
print(" ".join(str(rows[0][k]) for k in ("id", "status")) if rows else "")' "$1"
}

if ! have $NAME; then
  read -r id status <<<"$(job $NAME)" || true
  if [ -z "${id:-}" ] || [ "$status" = cancelled ]; then
    stamp "train $NAME"
    $MEDUI train --recipe smollm2-135m-ft --name $NAME --eval-limit 0 --wait
  else
    if [ "$status" != queued ] && [ "$status" != running ]; then
      stamp "resume job $id ($status)"
      $MEDUI jobs resume "$id"
    fi
    while read -r id status <<<"$(job $NAME)" && { [ "$status" = queued ] || [ "$status" = running ]; }; do
      sleep 60
    done
    stamp "job $id: $status"
    [ "$status" = succeeded ]
  fi
fi
stamp "study row"
$MEDUI study --tasks all --models $NAME --strategies cd --limit 50 --batch-size 10 --seed 0 --dtype bfloat16 \
  --reference gemma-3-270m:few-shot+cd --out bench/results/study
stamp "dev selection"
.venv/bin/python bench/dev_select.py --models $NAME --limit 10 --out bench/results/train_ft/dev_select_smollm2_rerun.json
stamp "done"
