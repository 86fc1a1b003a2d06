#!/usr/bin/env bash
# Image updates (issue 25): `tuxpilot containers updates check` over 50 opted-in containers
# running 5 images of the local registry (127.0.0.1:5000), 10 containers each, with a new digest
# pushed for every image. Reports the median wall time of RUNS checks, the registry requests one
# check sends (each image is asked once, not once per container), and, measured in the same run,
# what a pull-based check costs: `docker pull` of the same 5 tags (Watchtower's fallback when a
# HEAD fails, and what a pull-then-compare tool does every time).
#
#   scripts/bench-updates.sh [RUNS=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-10}"
bash scripts/dev-engine.sh >/dev/null
cargo build --release -q -p tuxpilot
tp="$PWD/target/release/tuxpilot"
export TUXPILOT_CONFIG=/dev/null
tag="bench-$$-$(date +%s)"
dir=$(mktemp -d)
cleanup() {
  docker ps -aq --filter "label=tuxpilot.bench=$tag" | xargs -r docker rm -f >/dev/null 2>&1 || true
  for i in 1 2 3 4 5; do docker rmi -f "127.0.0.1:5000/tpbench-$tag/img$i:1" >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
for i in 1 2 3 4 5; do
  ref="127.0.0.1:5000/tpbench-$tag/img$i:1"
  printf 'FROM tuxpilot-test/busybox:latest\nRUN echo %s one > /v\nCMD ["sh","-c","trap \\"exit 0\\" TERM; sleep 3600 & wait"]\n' "$i" >"$dir/Dockerfile"
  docker build -q -t "$ref" "$dir" >/dev/null
  docker push -q "$ref" >/dev/null
  for j in $(seq 1 10); do
    docker run -d --name "tpbench-$tag-$i-$j" --label "tuxpilot.bench=$tag" --label tuxpilot.auto-update=digest "$ref" >/dev/null
  done
  # A new digest for the same tag; the containers keep running the first one.
  printf 'FROM tuxpilot-test/busybox:latest\nRUN echo %s two > /v\nCMD ["sh","-c","sleep 3600"]\n' "$i" >"$dir/Dockerfile"
  docker build -q -t "$ref" "$dir" >/dev/null
  docker push -q "$ref" >/dev/null
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ours=() pulls=() requests="" due=""
for r in $(seq 1 "$runs"); do
  s=$(date +%s%N)
  out=$("$tp" --format json containers updates check)
  e=$(date +%s%N)
  ours+=($(( (e - s) / 1000000 )))
  requests=$(jq -r '.registry_requests' <<<"$out")
  due=$(jq -r "[.targets[] | select(.image | contains(\"tpbench-$tag\")) | select(.status == \"update_available\")] | length" <<<"$out")
  s=$(date +%s%N)
  for i in 1 2 3 4 5; do docker pull -q "127.0.0.1:5000/tpbench-$tag/img$i:1" >/dev/null; done
  e=$(date +%s%N)
  pulls+=($(( (e - s) / 1000000 )))
done
o=$(printf '%s\n' "${ours[@]}" | median)
p=$(printf '%s\n' "${pulls[@]}" | median)
echo "| check of 50 containers on 5 images | median of $runs | registry requests | updates found |"
echo "|---|---|---|---|"
echo "| tuxpilot containers updates check | ${o} ms | ${requests} (5 manifest HEADs + the /v2/ probe, https then http) | ${due} of 50 |"
echo "| docker pull of the 5 tags (pull-based check) | ${p} ms | - | - |"
awk -v a="$o" -v b="$p" 'BEGIN { printf "\nratio: %.2fx the pull-based check\n", a / b }'
