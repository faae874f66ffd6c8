#!/usr/bin/env bash
# The two Gemma rows of the study on the whole test split of the 12 real-data tasks (no --limit): the fine-tuned
# adapter with cd and the base with few-shot+cd. Family by family, smallest first, both rows of a family before
# the next (the reference row first: --reference must name a row there is), so a run cut short still leaves
# families compared on the same records. Every command skips the cells already in
# bench/results/study-full/runs: after a stop,
# `nohup bash bench/study_full.sh >> bench/results/study-full/study_full.log 2>&1 &` goes on where it was.
# FT names the fine-tuned variant (default gemma-3-270m-ft): a candidate adapter gets its own row before it ships,
# e.g. `FT=gemma-3-270m-ft-all2 nohup bash bench/study_full.sh >> bench/results/study-full/study_full.log 2>&1 &`.
set -euo pipefail
FT=${FT:-gemma-3-270m-ft}
cd "$(dirname "$0")/.."
source bench/lib.sh
OUT=bench/results/study-full
S=(--batch-size 10 --seed 0 --dtype bfloat16 --reference gemma-3-270m:few-shot+cd --out "$OUT")
E3C=e3c_actors,e3c_body_parts,e3c_clinical_entities,e3c_events,e3c_measurement_links,e3c_measurements,e3c_temporal_links,e3c_time_expressions
for tasks in "$E3C" casimedicos_arg_components abstrct_glaucoma_components,abstrct_mixed_components,abstrct_neoplasm_components; do
  step $MEDUI study --tasks "$tasks" --models gemma-3-270m --strategies few-shot+cd "${S[@]}"  # the reference row
  step $MEDUI study --tasks "$tasks" --models "$FT" --strategies cd "${S[@]}"
done
# the table of every cell computed so far (nothing is recomputed)
step $MEDUI study --tasks real --models gemma-3-270m --strategies few-shot+cd "${S[@]}"
echo "== $(date -u +%FT%TZ) done"
