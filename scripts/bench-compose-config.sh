#!/usr/bin/env bash
# `tuxpilot compose config` against `docker compose config` (v2, when the plugin is installed;
# scripts/dev-engine.sh installs it) and Debian's `docker-compose config` (1.29) on the same
# generated project (anchors, interpolation, extends), measured in the same run. Prints a
# Markdown table.
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

have_v2=0
docker compose version >/dev/null 2>&1 && have_v2=1
tp=(); dc=(); v2=()
for _ in $(seq "$runs"); do
  # Alternate the tools so machine noise hits them alike.
  tp+=("$(cd "$dir" && ms "$tuxpilot" compose config)")
  if ((have_v2)); then v2+=("$(cd "$dir" && ms docker compose config)"); fi
  dc+=("$(cd "$dir" && ms docker-compose config)")
done
tp_med=$(printf '%s\n' "${tp[@]}" | median)
dc_med=$(printf '%s\n' "${dc[@]}" | median)
echo "| tool | median of $runs (ms) | runs (ms) |"
echo "|---|---|---|"
echo "| tuxpilot compose config | $tp_med | ${tp[*]} |"
if ((have_v2)); then
  v2_med=$(printf '%s\n' "${v2[@]}" | median)
  echo "| docker compose $(docker compose version --short) config | $v2_med | ${v2[*]} |"
fi
echo "| docker-compose $(docker-compose version --short) config | $dc_med | ${dc[*]} |"
echo
if ((have_v2)); then
  awk -v a="$v2_med" -v b="$tp_med" 'BEGIN { printf "docker compose v2 / tuxpilot: %.1fx\n", (b > 0 ? a / b : 0) }'
fi
awk -v a="$dc_med" -v b="$tp_med" 'BEGIN { printf "docker-compose 1.29 / tuxpilot: %.1fx\n", (b > 0 ? a / b : 0) }'
