#!/usr/bin/env bash
# The MAS acceptance experiments of docs/results.md, run sequentially on two trained GRU seeds.
# usage: scripts/acceptance-mas.sh MODEL_A MODEL_B OUT [STEPS]
# Protocol: the spec's defaults (batch 128 pairs per tuple, Adam 1e-3, 10,000 train / 1,000 validation
# pairs, validation every 100 steps) with STEPS maximum steps (default 400).
set -euo pipefail
A=$1; B=$2; OUT=$3; STEPS=${4:-400}
mas() { node "$(dirname "$0")/../bin/mas.js" "$@"; }
run() { local name=$1; shift; [ -f "$OUT/$name/result.json" ] && return 0; mas align "$@" --steps "$STEPS" --seed 1 --out "$OUT/$name" --quiet --json > "$OUT/$name.json"; }
mkdir -p "$OUT"
for k in 1 2 4 8 16; do run "mas-k$k" --models "$A" "$B" --layer layer.0 --variable count --subspace $k; done
for k in 1 2 4 8 16 32; do run "das-k$k" --models "$A" --method das --layer layer.0 --variable count --subspace $k; done
run stitch-r2 --models "$A" "$B" --method stitch --layer layer.0 --variable count --subspace 2
run clmas-k16-eps0 --models "$A" "$B" --method clmas --layer layer.0 --variable count --subspace 16 --cl-weight 0
run clmas-k16-eps1 --models "$A" "$B" --method clmas --layer layer.0 --variable count --subspace 16 --cl-weight 1
run mas-embedding-k16 --models "$A" "$B" --layer embedding --variable count --subspace 16
