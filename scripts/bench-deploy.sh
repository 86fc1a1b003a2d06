#!/usr/bin/env bash
# `tuxpilot containers deploy` in one run against its peers on this machine:
#   1. a 30-container app (30 services, no dependencies): `containers deploy` of an app.yaml
#      against `tuxpilot compose up -d` and docker-compose 1.29 (and `docker compose` v2 when the
#      plugin is installed) on the equivalent compose file;
#   2. a rolling update of a 3-replica service with a 1 s health interval, against 3 x the time
#      one replica takes to become healthy (`docker run` until `healthy`), measured here too.
# Prints Markdown tables of medians.
#
#   scripts/bench-deploy.sh [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"
image="tuxpilot-test/busybox:latest"
bash scripts/dev-engine.sh >/dev/null
cargo build --release -q -p tuxpilot
tp="$PWD/target/release/tuxpilot"
export TUXPILOT_CONFIG=/dev/null
v2=no
docker compose version >/dev/null 2>&1 && v2=yes

dir=$(mktemp -d)
cleanup() {
  cd "$dir"
  "$tp" containers undeploy benchapp --volumes --progress quiet >/dev/null 2>&1 || true
  "$tp" containers undeploy benchroll --volumes --progress quiet >/dev/null 2>&1 || true
  "$tp" compose -p benchtp --progress quiet down -t 1 >/dev/null 2>&1 || true
  docker-compose -p benchdc down -t 1 >/dev/null 2>&1 || true
  [[ $v2 == yes ]] && docker compose -p benchv2 down -t 1 >/dev/null 2>&1
  docker rm -f benchone >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
cmd='["sh", "-c", "trap \"exit 0\" TERM; while :; do sleep 1; done"]'
{
  echo "name: benchapp"
  echo "containers:"
  for i in $(seq 0 29); do
    echo "  s$i: {image: \"$image\", command: $cmd}"
  done
} >"$dir/app.yaml"
{
  echo "services:"
  for i in $(seq 0 29); do
    echo "  s$i: {image: \"$image\", command: $cmd}"
  done
} >"$dir/compose.yaml"
cd "$dir"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -A r
for _ in $(seq "$runs"); do
  r[deploy]+="$(ms "$tp" containers deploy --file app.yaml --progress quiet) "
  "$tp" containers undeploy benchapp --progress quiet >/dev/null
  r[tp_up]+="$(ms "$tp" compose -p benchtp --progress quiet up -d) "
  "$tp" compose -p benchtp --progress quiet down -t 1 >/dev/null
  r[dc_up]+="$(ms docker-compose -p benchdc up -d) "
  docker-compose -p benchdc down -t 1 >/dev/null 2>&1
  if [[ $v2 == yes ]]; then
    r[v2_up]+="$(ms docker compose -p benchv2 up -d) "
    docker compose -p benchv2 down -t 1 >/dev/null 2>&1
  fi
done
med() { echo "${r[$1]:-}" | tr ' ' '\n' | grep -v '^$' | median; }
d=$(med deploy)
echo "| 30 containers, first deploy | ms (runs) | containers deploy / this |"
echo "|---|---|---|"
echo "| tuxpilot containers deploy (app.yaml) | $d (${r[deploy]% }) | 1.00 |"
for k in tp_up:"tuxpilot compose up -d" dc_up:"docker-compose 1.29 up -d" v2_up:"docker compose v2 up -d"; do
  key=${k%%:*}; label=${k#*:}
  [[ -z "${r[$key]:-}" ]] && continue
  m=$(med "$key")
  echo "| $label | $m (${r[$key]% }) | $(awk -v a="$d" -v b="$m" 'BEGIN{printf "%.2f", a/b}') |"
done

# 2. Rolling update: 3 replicas, health interval 1s.
roll() {
  cat >roll.yaml <<YAML
name: benchroll
version: "$1"
containers:
  api:
    image: $image
    replicas: 3
    environment: {MARK: "$1"}
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo \$\$MARK > /www/index.html; httpd -f -p 8080 -h /www & wait"]
    stop_grace_period: 2s
    health_check: {test: "wget -q -O /dev/null http://127.0.0.1:8080/", interval: 1s, retries: 3}
YAML
}
one_healthy() {
  local s e
  s=$(date +%s%N)
  docker run -d --name benchone --health-cmd "wget -q -O /dev/null http://127.0.0.1:8080/" --health-interval 1s \
    "$image" sh -c "mkdir -p /www; echo x > /www/index.html; exec httpd -f -p 8080 -h /www" >/dev/null
  until [[ $(docker inspect -f '{{.State.Health.Status}}' benchone) == healthy ]]; do sleep 0.02; done
  e=$(date +%s%N)
  docker rm -f benchone >/dev/null
  echo $(((e - s) / 1000000))
}
roll 1
"$tp" containers deploy --file roll.yaml --progress quiet >/dev/null
for i in $(seq "$runs"); do
  r[one]+="$(one_healthy) "
  roll "v$((i + 1))"
  r[update]+="$(ms "$tp" containers deploy --file roll.yaml --progress quiet) "
done
one=$(med one); up=$(med update)
echo
echo "| rolling update, 3 replicas, 1 s health interval | ms (runs) |"
echo "|---|---|"
echo "| one replica healthy (docker run → healthy) | $one (${r[one]% }) |"
echo "| tuxpilot containers deploy v(n) → v(n+1) | $up (${r[update]% }) |"
echo "| update / (3 × one replica) | $(awk -v a="$up" -v b="$one" 'BEGIN{printf "%.2f", a/(3*b)}') (aim ≤ 1.5) |"
