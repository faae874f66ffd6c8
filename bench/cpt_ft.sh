#!/usr/bin/env bash
# CPT+FT of Gemma-3-270M, then its dev selection and study row. Resumable: a step whose adapter or result
# exists is skipped; a killed training job continues with `medui jobs resume ID`, then run this again.
#   nohup bash bench/cpt_ft.sh > bench/results/train_ft/cpt_ft.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

if ! have gemma-3-270m-cpt; then
  stamp "CPT"
  $MEDUI train --recipe gemma-3-270m-cpt --corpus assets/corpora/e3c_layer3_sample.jsonl \
    --name gemma-3-270m-cpt --eval-limit 0 --wait
fi
if ! have gemma-3-270m-cpt-ft; then
  stamp "FT on top of CPT"
  $MEDUI train --recipe gemma-3-270m-ft --model gemma-3-270m-cpt --name gemma-3-270m-cpt-ft \
    --eval-limit 0 --wait
fi
stamp "dev selection"
.venv/bin/python bench/dev_select.py --models gemma-3-270m-cpt-ft --limit 10 \
  --out bench/results/train_ft/dev_select.json
stamp "study row"
$MEDUI study --tasks all --models gemma-3-270m-cpt-ft --strategies cd --limit 50 --batch-size 10 --seed 0 \
  --dtype bfloat16 --reference gemma-3-270m:few-shot+cd --out bench/results/study
stamp "done"
