#!/usr/bin/env bash
# `tuxpilot compose config` against Debian's `docker-compose config` on the same generated
# project (anchors, interpolation, extends), measured in the same run. Prints a Markdown table.
#
#   scripts/bench-compose-config.sh [SERVICES=1000] [RUNS=5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
services="${1:-1000}"
runs="${2:-5}"
command -v docker-compose >/dev/null || { echo "docker-compose missing: apt-get install docker-compose" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release -q -p tuxpilot
cargo run --release -q -p tuxpilot-compose --example generate_project -- "$dir" "$services"
tuxpilot="$PWD/target/release/tuxpilot"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

tp=(); dc=()
for _ in $(seq "$runs"); do
  # Alternate the tools so machine noise hits both alike.
  tp+=("$(cd "$dir" && ms "$tuxpilot" compose config)")
  dc+=("$(cd "$dir" && ms docker-compose config)")
done
tp_med=$(printf '%s\n' "${tp[@]}" | median)
dc_med=$(printf '%s\n' "${dc[@]}" | median)
echo "| tool | median of $runs (ms) | runs (ms) |"
echo "|---|---|---|"
echo "| tuxpilot compose config | $tp_med | ${tp[*]} |"
echo "| docker-compose $(docker-compose version --short) config | $dc_med | ${dc[*]} |"
awk -v a="$dc_med" -v b="$tp_med" 'BEGIN { printf "\ndocker-compose / tuxpilot: %.1fx\n", (b > 0 ? a / b : 0) }'
