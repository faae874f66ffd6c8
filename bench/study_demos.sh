#!/usr/bin/env bash
# Issue 21's study rows, beside the 50-record study (bench/study50.sh) in the same folder, piece by piece (every
# command skips the cells already in bench/results/study/runs, so after a stop run it again):
#   nohup bash bench/study_demos.sh >> bench/results/study/study_demos.log 2>&1 &
# 1. few-shot+cd with similar demonstrations (rows "few-shot+cd (similar)") for the two base models, against their
#    random-demonstration rows (the target: the base's similar row at least 1.5x its random row over the 12
#    real-data tasks); the store is empty here, so the pool is each task's train split.
# 2. the relation tasks with the pairs strategies: the shipped fine-tuned model (pairs: zero-shot entities, as it
#    was trained) and the base (few-shot+pairs), against their cd / few-shot+cd rows.
# DTYPE defaults to the study's bfloat16 so the cells compare with the rows already there (on a CPU without
# AVX512-BF16, bf16 matmuls fall back to a slow kernel: set DTYPE=float32 and compare within the new rows only).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DTYPE="${DTYPE:-bfloat16}"
S=(--limit 50 --batch-size 10 --seed 0 --dtype "$DTYPE")
R=(--reference gemma-3-270m:few-shot+cd)
step $MEDUI study --tasks all --models gemma-3-270m --strategies few-shot+cd --demos similar "${S[@]}" "${R[@]}" \
  --out bench/results/study
step $MEDUI study --tasks all --models smollm2-135m-instruct --strategies few-shot+cd --demos similar "${S[@]}" "${R[@]}" \
  --out bench/results/study
step $MEDUI study --tasks e3c_measurement_links,e3c_temporal_links --models gemma-3-270m-ft --strategies pairs \
  "${S[@]}" "${R[@]}" --out bench/results/study
step $MEDUI study --tasks e3c_measurement_links,e3c_temporal_links --models gemma-3-270m --strategies few-shot+pairs \
  "${S[@]}" "${R[@]}" --out bench/results/study
echo "== $(date -u +%FT%TZ) done"
