#!/usr/bin/env bash
# The second round of MAS acceptance experiments (docs/results.md §3–§7): the variable set `full`
# (phase and count) at the hidden state for DAS/MAS k sweeps and rank-2 stitching, and stepwise MAS at
# the embedding between two GRU seeds and between a GRU and a transformer.
# usage: scripts/acceptance-mas-full.sh GRU_A GRU_B TRANSFORMER OUT
# Protocol: the spec's defaults (batch 128 pairs per tuple, Adam 1e-3, 10,000 train / 1,000 validation
# pairs, validation every 100 steps), with the step limits below; seed 1. Runs are skipped when done.
set -euo pipefail
A=$1; B=$2; TF=$3; OUT=$4
mas() { node "$(dirname "$0")/../bin/mas.js" "$@"; }
run() { local name=$1; shift; [ -f "$OUT/$name/result.json" ] && return 0; mas align "$@" --seed 1 --out "$OUT/$name" --quiet --json > "$OUT/$name.json"; }
mkdir -p "$OUT"
G="--layer layer.0 --variable full"
run stitch-full-r2 --models "$A" "$B" --method stitch $G --subspace 2 --steps 1000
for k in 1 2 4 8 16 32; do run "das-full-k$k" --models "$A" --method das $G --subspace $k --steps 1000; done
for k in 1 2 4 8; do run "mas-full-k$k" --models "$A" "$B" $G --subspace $k --steps 1000; done
for k in 16 32; do run "mas-full-k$k" --models "$A" "$B" $G --subspace $k --steps 500; done
run mas-count-k4-long --models "$A" "$B" --layer layer.0 --variable count --subspace 4 --steps 1000
run emb-gru-full-k16 --models "$A" "$B" --layer embedding --variable full --subspace 16 --steps 1000 --valid-pairs 500
run emb-gru-tf-full-k16 --models "$A" "$TF" --layer embedding --variable full --subspace 16 --steps 300 --batch 64 --valid-pairs 400
run emb-gru-tf-full-k16-long --models "$A" "$TF" --layer embedding --variable full --subspace 16 --steps 1000 --valid-pairs 500
# The single variable `count` at the embedding, for comparison (500 steps).
run emb-gru-tf-count-k16 --models "$A" "$TF" --layer embedding --variable count --subspace 16 --steps 500 --valid-pairs 500
run emb-gru-count-k16 --models "$A" "$B" --layer embedding --variable count --subspace 16 --steps 500 --valid-pairs 500
# GRU ↔ transformer at the hidden layer (stepwise because of the transformer).
run layer0-gru-tf-full-k16 --models "$A" "$TF" --layer layer.0 --variable full --subspace 16 --steps 300 --valid-pairs 500
