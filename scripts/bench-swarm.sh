#!/usr/bin/env bash
# `tuxpilot containers deploy --backend swarm` against `docker stack deploy --detach=false`, in
# the same run on the same 3-node swarm (scripts/dev-swarm.sh):
#   1. 10 services x 2 replicas deployed to convergence (a fresh stack each round);
#   2. then an update of all ten (a changed environment variable) to convergence.
# Both read the same compose file. Prints a Markdown table of medians and the ratios.
#
#   scripts/bench-swarm.sh [RUNS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"
image="tuxpilot-test/busybox:latest"
bash scripts/dev-engine.sh >/dev/null
host=$(bash scripts/dev-swarm.sh up 3 | tail -n 1 | sed 's/^export DOCKER_HOST=//')
export DOCKER_HOST="$host"
cargo build --release -q -p tuxpilot
tp="$PWD/target/release/tuxpilot"
export TUXPILOT_CONFIG=/dev/null

dir=$(mktemp -d)
cleanup() {
  for s in $(docker stack ls --format '{{.Name}}' | grep '^bsw' || true); do docker stack rm "$s" >/dev/null 2>&1 || true; done
  for a in $("$tp" --format json containers deployments --backend swarm 2>/dev/null | grep -o '"name": *"bsw[^"]*"' | sed 's/.*"\(bsw[^"]*\)"/\1/' || true); do
    "$tp" containers undeploy "$a" --backend swarm --progress quiet >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT

compose() { # $1 = MARK value
  echo 'version: "3.8"'
  echo "services:"
  for i in $(seq 0 9); do
    cat <<EOF
  s$i:
    image: $image
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    environment: {MARK: "$1"}
    deploy: {replicas: 2, endpoint_mode: dnsrr}
EOF
  done
}
compose one >"$dir/v1.yaml"
compose two >"$dir/v2.yaml"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
wait_gone() { # stack name: until its tasks and network are gone
  for _ in $(seq 200); do
    [[ -z $(docker network ls -q --filter "label=com.docker.stack.namespace=$1") ]] && return 0
    sleep 0.2
  done
}
declare -A r
for n in $(seq "$runs"); do
  st="bswstack$n" tpn="bswtp$n"
  r[stack_deploy]+="$(ms docker stack deploy --detach=false -c "$dir/v1.yaml" "$st") "
  r[tp_deploy]+="$(ms "$tp" containers deploy -f "$dir/v1.yaml" --name "$tpn" --backend swarm --progress quiet) "
  r[stack_update]+="$(ms docker stack deploy --detach=false -c "$dir/v2.yaml" "$st") "
  r[tp_update]+="$(ms "$tp" containers deploy -f "$dir/v2.yaml" --name "$tpn" --backend swarm --progress quiet) "
  # Both converged on the update: every replica runs MARK=two.
  for s in $(seq 0 9); do
    for name in "${st}_s$s" "${tpn}_s$s"; do
      docker service inspect "$name" --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}' | grep -q 'MARK=two' ||
        { echo "bench-swarm: $name did not take the update" >&2; exit 1; }
    done
  done
  docker stack rm "$st" >/dev/null
  "$tp" containers undeploy "$tpn" --backend swarm --progress quiet >/dev/null
  wait_gone "$st"
done

m() { echo "${r[$1]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "| 10 services x 2 replicas, 3-node swarm (median of $runs) | tuxpilot --backend swarm | docker stack deploy --detach=false | ratio |"
echo "|---|---|---|---|"
echo "| deploy to convergence | $(m tp_deploy) ms | $(m stack_deploy) ms | $(ratio "$(m tp_deploy)" "$(m stack_deploy)")x |"
echo "| update of all ten | $(m tp_update) ms | $(m stack_update) ms | $(ratio "$(m tp_update)" "$(m stack_update)")x |"
