#!/usr/bin/env bash
# `tuxpilot compose` against `docker compose` v2 (when the plugin is installed), Debian's
# docker-compose 1.29 and floors of raw parallel engine calls (create+start for up, stop with
# the 10 s timeout + remove for down), on a generated 30-service project (dependency depth 3,
# processes that ignore SIGTERM), all in one run. Prints a Markdown table of medians.
#
#   scripts/bench-compose-up.sh [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"
image="tuxpilot-test/busybox:latest"
bash scripts/dev-engine.sh >/dev/null
cargo build --release -q -p tuxpilot
cargo build --release -q -p tuxpilot-docker --example parallel_floor
tp="$PWD/target/release/tuxpilot"
floor="$PWD/target/release/examples/parallel_floor"

dir=$(mktemp -d)
trap 'cd "$dir" && "$tp" compose -p benchtp --progress quiet down -t 1 >/dev/null 2>&1; docker-compose -p benchdc down -t 1 >/dev/null 2>&1; docker compose -p benchv2 down -t 1 >/dev/null 2>&1; rm -rf "$dir"' EXIT
{
  echo "services:"
  for i in $(seq 0 29); do
    echo "  s$i:"
    echo "    image: $image"
    # sleep as PID 1 ignores SIGTERM: every stop waits for the timeout, then SIGKILL.
    echo "    command: [\"sleep\", \"3600\"]"
    if ((i >= 10)); then echo "    depends_on: [s$((i - 10))]"; fi
  done
} >"$dir/compose.yaml"
cd "$dir"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -A r
have_v2=0
docker compose version >/dev/null 2>&1 && have_v2=1
for _ in $(seq "$runs"); do
  # The floors: 30 create+start calls at once, then 30 stop (10 s, as down's default) + remove.
  read -r floor_up floor_down <<<"$("$floor" 30 "$image" 10)"
  r[floor]+="$floor_up "
  r[floor_down]+="$floor_down "
  r[tp_up]+="$(ms "$tp" compose -p benchtp --progress quiet up -d) "
  r[tp_noop]+="$(ms "$tp" compose -p benchtp --progress quiet up -d) "
  r[tp_ps]+="$(ms "$tp" compose -p benchtp ps) "
  r[tp_down]+="$(ms "$tp" compose -p benchtp --progress quiet down) "
  r[dc_up]+="$(ms docker-compose -p benchdc up -d) "
  r[dc_noop]+="$(ms docker-compose -p benchdc up -d) "
  r[dc_ps]+="$(ms docker-compose -p benchdc ps) "
  r[dc_down]+="$(ms docker-compose -p benchdc down) "
  if ((have_v2)); then
    r[v2_up]+="$(ms docker compose -p benchv2 up -d) "
    r[v2_noop]+="$(ms docker compose -p benchv2 up -d) "
    r[v2_ps]+="$(ms docker compose -p benchv2 ps) "
    r[v2_down]+="$(ms docker compose -p benchv2 down) "
  fi
done
med() { echo "${r[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
v2_head=""; v2_sep=""
if ((have_v2)); then v2_head=" docker compose $(docker compose version --short) ms | v2 / tuxpilot |"; v2_sep="---|---|"; fi
echo "| operation (30 services) | tuxpilot ms | docker-compose 1.29.2 ms | floor ms | tuxpilot / floor | docker-compose / tuxpilot |$v2_head"
echo "|---|---|---|---|---|---|$v2_sep"
f=$(med floor)
for op in up noop ps down; do
  a=$(med "tp_$op"); b=$(med "dc_$op")
  fl="-"; ratio_f="-"
  if [[ $op == up ]]; then fl=$f; fi
  if [[ $op == down ]]; then fl=$(med floor_down); fi
  if [[ $fl != - ]]; then ratio_f=$(awk -v a="$a" -v f="$fl" 'BEGIN{printf "%.2f", a/f}'); fi
  v2_cols=""
  if ((have_v2)); then
    c=$(med "v2_$op")
    v2_cols=" $c (${r[v2_$op]% }) | $(awk -v a="$a" -v c="$c" 'BEGIN{printf "%.1f", c/a}') |"
  fi
  echo "| $op | $a (${r[tp_$op]% }) | $b (${r[dc_$op]% }) | $fl | $ratio_f | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1f", b/a}') |$v2_cols"
done
