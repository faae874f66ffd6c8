#!/usr/bin/env bash
# The study at 50 test records a task (all of a smaller split), piece by piece: every command skips the cells
# already in its --out/runs, so after a stop `nohup bash bench/study50.sh >> bench/results/study/study50.log 2>&1 &`
# goes on where it was. Pieces in the order they matter; the dtype piece compares float32 with the main study's
# bfloat16 cells of the same model on one task of each family of the real data.
set -euo pipefail
cd "$(dirname "$0")/.."
M=".venv/bin/medui"
S=(--limit 50 --batch-size 10 --seed 0)
step() { echo "== $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; "$@"; }
step $M study --tasks all --models gemma-3-270m-ft --strategies cd --dtype bfloat16 "${S[@]}" --out bench/results/study
step $M study --tasks all --models gemma-3-270m --strategies cd,few-shot+cd --dtype bfloat16 "${S[@]}" \
  --reference gemma-3-270m:few-shot+cd --out bench/results/study
step $M study --tasks e3c_clinical_entities,e3c_measurement_links,abstrct_neoplasm_components,casimedicos_arg_components \
  --models gemma-3-270m-ft --strategies cd --dtype float32 "${S[@]}" --out bench/results/dtype/float32
step $M study --tasks all --models smollm2-135m-instruct --strategies few-shot+cd --dtype bfloat16 "${S[@]}" \
  --reference gemma-3-270m:few-shot+cd --out bench/results/study
step $M study --tasks all --models gemma-3-270m --strategies zero-shot,few-shot --dtype bfloat16 "${S[@]}" \
  --reference gemma-3-270m:few-shot+cd --out bench/results/study
echo "== $(date -u +%FT%TZ) done"
