#!/usr/bin/env bash
# The study at 50 test records a task (all of a smaller split), piece by piece: every command skips the cells
# already in its --out/runs, so after a stop `nohup bash bench/study50.sh >> bench/results/study/study50.log 2>&1 &`
# goes on where it was. Pieces in the order they matter; the dtype piece computes float32 cells of the
# fine-tuned model on tasks of every family, compared with the main study's bfloat16 cells by
# bench/dtype_check.py. The base model's rows without cd (zero-shot, few-shot) come last: about 70 min together,
# for two rows of known outcome (no zero-shot answer parses).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
S=(--limit 50 --batch-size 10 --seed 0)
R=(--reference gemma-3-270m:few-shot+cd)
step $MEDUI study --tasks all --models gemma-3-270m-ft --strategies cd --dtype bfloat16 "${S[@]}" --out bench/results/study
step $MEDUI study --tasks all --models gemma-3-270m --strategies cd,few-shot+cd --dtype bfloat16 "${S[@]}" "${R[@]}" \
  --out bench/results/study
step $MEDUI study --tasks e3c_clinical_entities,e3c_events,e3c_measurement_links,e3c_temporal_links,abstrct_neoplasm_components,casimedicos_arg_components,ed_dyspnea_crf,ed_syncope_crf,medqa_it,drug_leaflet_qa \
  --models gemma-3-270m-ft --strategies cd --dtype float32 "${S[@]}" --out bench/results/dtype/float32
.venv/bin/python bench/dtype_check.py
step $MEDUI study --tasks all --models smollm2-135m-instruct --strategies few-shot+cd --dtype bfloat16 "${S[@]}" "${R[@]}" \
  --out bench/results/study
[ -n "${STUDY_WITHOUT_CD:-}" ] || { echo "== done (STUDY_WITHOUT_CD=1 adds the base rows without cd)"; exit 0; }
step $MEDUI study --tasks all --models gemma-3-270m --strategies zero-shot,few-shot --dtype bfloat16 "${S[@]}" "${R[@]}" \
  --out bench/results/study
echo "== $(date -u +%FT%TZ) done"
