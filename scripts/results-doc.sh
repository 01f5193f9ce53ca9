#!/usr/bin/env bash
# Regenerates tables of docs/results.md without retraining.
#   scripts/results-doc.sh          print the tables of the committed records docs/results/NAME/LABEL/
#   scripts/results-doc.sh --write  also rewrite their blocks in docs/results.md (scripts/results-doc.mjs)
#   scripts/results-doc.sh --runs   the older tables, from the uncommitted run folders of
#                                   scripts/acceptance-mas*.sh (runs/acc, runs/s2)
cd "$(dirname "$0")/.."
if [ "$1" != "--runs" ]; then exec node scripts/results-doc.mjs "$@"; fi
T() { python3 scripts/results-table.py "$@"; }
H='| method | k | validation IIA, source→target [95% bootstrap CI] | task accuracy (ceiling) | k = 0 IIA (floor) | steps, ms/step |
|---|---|---|---|---|---|'
echo "$H"; T runs/acc/mas-k32 runs/acc/das-k16; echo; echo "--- ksweep"; echo "$H"
T runs/acc/mas-k1 runs/acc/mas-k2 runs/acc/mas-k4 runs/acc/mas-k8 runs/acc/mas-k16 runs/acc/das-k1 runs/acc/das-k2 runs/acc/das-k4 runs/acc/das-k8 runs/acc/das-k32
echo; echo "--- stitch"; echo "$H"; T runs/acc/stitch-r2 runs/acc/mas-k2
echo; echo "--- clmas"; echo "$H"; T runs/acc/clmas-k16-eps0 runs/acc/clmas-k16-eps1
echo; echo "--- embedding"; echo "$H"; T runs/acc/mas-embedding-k16 runs/acc/mas-gru-tf-embedding-k16
echo; echo "--- second round: full"; echo "$H"
T runs/s2/mas-full-k1 runs/s2/mas-full-k2 runs/s2/mas-full-k4 runs/s2/mas-full-k8 runs/s2/mas-full-k16 runs/s2/mas-full-k32 runs/s2/mas-count-k4-long
T runs/s2/das-full-k1 runs/s2/das-full-k2 runs/s2/das-full-k4 runs/s2/das-full-k8 runs/s2/das-full-k16 runs/s2/das-full-k32
echo; echo "--- stitch full"; echo "$H"; T runs/s2/stitch-full-r2 runs/s2/mas-full-k2
echo; echo "--- embedding"; echo "$H"; T runs/s2/emb-gru-full-k16 runs/s2/emb-gru-tf-full-k16-long runs/s2/emb-gru-tf-full-k16 runs/s2/emb-gru-count-k16 runs/s2/emb-gru-tf-count-k16 runs/s2/layer0-gru-tf-full-k16
