#!/usr/bin/env bash
# A Docker Swarm of N engine nodes on this one machine, for TuxPilot's Swarm tests.
#
#   scripts/dev-swarm.sh up [N]        N nodes (default 3), node 1 the manager; idempotent
#   scripts/dev-swarm.sh down          removes every node, namespace, link and data dir
#   scripts/dev-swarm.sh node-stop I   stops node I's dockerd (a lost node)
#   scripts/dev-swarm.sh node-start I  starts it again (it rejoins with its state)
#   scripts/dev-swarm.sh status        nodes, their daemons, and the swarm's view
#   scripts/dev-swarm.sh solo          one more engine (node 9) that joins no swarm, for tests
#                                      that act on "all containers" and so need an engine of
#                                      their own; its last line is `export TUXPILOT_SOLO_HOST=…`
#
# Each node is a dockerd in its own network namespace (`tpsw-I`), with its own data-root,
# exec-root, pidfile, socket, containerd and hostname, and a distinct --bip and address pool. The
# nodes are joined by veth to a bridge in the namespace `tpsw-br` (10.251.0.0/24, node I at
# 10.251.0.(10+I)). The gossip (7946) and VXLAN (4789) ports bind once per network namespace,
# which is why every node needs its own. `ip netns exec` cannot start dockerd (it remounts /sys:
# "Devices cgroup isn't mounted"), so it runs under `nsenter --net=`, and `unshare --uts` gives
# each node its own hostname.
#
# The main engine's test image is loaded into every node (`docker save | docker load`), and
# DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 keeps task starts from pulling (no registry is
# reachable here). This kernel may have no IPVS (/proc/net/ip_vs): then VIP and the ingress
# routing mesh cannot carry traffic, and tests use dnsrr endpoints and host-mode ports.
#
# The last line of `up` is `export DOCKER_HOST=unix:///…` for the manager.
set -euo pipefail

ROOT=/run/tuxpilot-swarm
DATA=/var/lib/tuxpilot-swarm
BRNS=tpsw-br
SUBNET_PREFIX=10.251.0
TEST_IMAGE=${TUXPILOT_TEST_IMAGE:-tuxpilot-test/busybox:latest}

say() { printf 'dev-swarm: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (network namespaces and dockerd need it)"
for c in ip nsenter unshare dockerd docker; do
  command -v "$c" >/dev/null 2>&1 || die "$c is missing (scripts/dev-engine.sh installs docker.io; ip is iproute2)"
done

sock() { printf 'unix://%s/%s/docker.sock' "$ROOT" "$1"; }
addr() { printf '%s.%s' "$SUBNET_PREFIX" "$((10 + $1))"; }
dk() { local i=$1; shift; docker -H "$(sock "$i")" "$@"; }
running() { [[ -f $ROOT/$1/docker.pid ]] && kill -0 "$(cat "$ROOT/$1/docker.pid")" 2>/dev/null; }

bridge_up() {
  if ! ip netns list | grep -qw "$BRNS"; then
    ip netns add "$BRNS"
  fi
  ip -n "$BRNS" link set lo up
  if ! ip -n "$BRNS" link show br0 >/dev/null 2>&1; then
    ip -n "$BRNS" link add br0 type bridge
  fi
  ip -n "$BRNS" link set br0 up
}

netns_up() {
  local i=$1 ns=tpsw-$1
  if ! ip netns list | grep -qw "$ns"; then
    ip netns add "$ns"
  fi
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link add "tpsw$i-n" type veth peer name "tpsw$i-b"
    ip link set "tpsw$i-n" netns "$ns"
    ip link set "tpsw$i-b" netns "$BRNS"
    ip -n "$ns" link set "tpsw$i-n" name eth0
    ip -n "$ns" addr add "$(addr "$i")/24" dev eth0
    ip -n "$BRNS" link set "tpsw$i-b" master br0
  fi
  ip -n "$ns" link set eth0 up
  ip -n "$BRNS" link set "tpsw$i-b" up
}

start_node() {
  local i=$1
  running "$i" && return 0
  mkdir -p "$ROOT/$i" "$DATA/$i"
  rm -f "$ROOT/$i/docker.sock" "$ROOT/$i/docker.pid"
  # Its own hostname (unshare --uts), network (nsenter --net), data, sockets and containerd.
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nsenter --net="/run/netns/tpsw-$i" \
    unshare --uts sh -c "hostname tpsw-node$i && exec dockerd \
      --data-root '$DATA/$i' --exec-root '$ROOT/$i/exec' --pidfile '$ROOT/$i/docker.pid' \
      -H '$(sock "$i")' --containerd-namespace 'tpsw$i' --containerd-plugins-namespace 'tpsw${i}p' \
      --bip '172.$((40 + i)).0.1/24' --default-address-pool 'base=10.$((100 + i)).0.0/16,size=24' \
      --userland-proxy=false" \
    >"$ROOT/$i/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    if dk "$i" version >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  tail -20 "$ROOT/$i/dockerd.log" >&2 || true
  die "node $i's dockerd did not answer within 60 s (log: $ROOT/$i/dockerd.log)"
}

load_image() {
  local i=$1
  local want have
  want=$(docker image inspect --format '{{.Id}}' "$TEST_IMAGE" 2>/dev/null) \
    || die "the main engine has no $TEST_IMAGE; run scripts/dev-engine.sh first"
  have=$(dk "$i" image inspect --format '{{.Id}}' "$TEST_IMAGE" 2>/dev/null || true)
  if [[ "$want" != "$have" ]]; then
    docker save "$TEST_IMAGE" | dk "$i" load >/dev/null
  fi
}

stop_node() {
  local i=$1
  if running "$i"; then
    local pid
    pid=$(cat "$ROOT/$i/docker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

nodes() {
  local n=0
  for d in "$ROOT"/*/; do
    [[ -d $d ]] || continue
    local b
    b=$(basename "$d")
    [[ $b =~ ^[0-9]+$ ]] && n=$((b > n ? b : n))
  done
  echo "$n"
}

up() {
  local n=${1:-3}
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 9 ]] || die "N must be 1 to 9"
  bridge_up
  for i in $(seq 1 "$n"); do
    netns_up "$i"
    start_node "$i"
    load_image "$i"
  done
  # Node 1 is the manager.
  if [[ $(dk 1 info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
    dk 1 swarm init --advertise-addr "$(addr 1)" --listen-addr "$(addr 1):2377" >/dev/null
    say "node 1 ($(addr 1)) initialised the swarm"
  fi
  local token
  token=$(dk 1 swarm join-token -q worker)
  for i in $(seq 2 "$n"); do
    if [[ $(dk "$i" info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
      dk "$i" swarm join --token "$token" --advertise-addr "$(addr "$i")" --listen-addr "$(addr "$i"):2377" "$(addr 1):2377" >/dev/null
      say "node $i ($(addr "$i")) joined"
    fi
  done
  for _ in $(seq 1 60); do
    local ready
    ready=$(dk 1 node ls --format '{{.Status}}' | grep -c Ready || true)
    [[ $ready -ge $n ]] && break
    sleep 0.5
  done
  say "$(dk 1 node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}' | tr '\n' ';')"
  [[ -e /proc/net/ip_vs ]] || say "note: no IPVS in this kernel: VIP and the ingress mesh cannot carry traffic; use dnsrr and host-mode ports"
  echo "export DOCKER_HOST=$(sock 1)"
}

down() {
  local n
  n=$(nodes)
  for i in $(seq 1 "$n"); do
    if running "$i"; then
      dk "$i" swarm leave --force >/dev/null 2>&1 || true
      # Containers first, so their mounts and namespaces go with them.
      dk "$i" ps -aq | xargs -r docker -H "$(sock "$i")" rm -f >/dev/null 2>&1 || true
    fi
    stop_node "$i"
  done
  for i in $(seq 1 "$n"); do
    # What dockerd left mounted under its roots.
    grep -E " ($DATA/$i|$ROOT/$i)" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    ip netns del "tpsw-$i" 2>/dev/null || true
  done
  ip netns del "$BRNS" 2>/dev/null || true
  rm -rf "$ROOT" "$DATA"
  say "removed"
}

status() {
  local n
  n=$(nodes)
  [[ $n -gt 0 ]] || { say "no nodes"; return 0; }
  for i in $(seq 1 "$n"); do
    if running "$i"; then
      echo "node $i $(addr "$i") dockerd running ($(sock "$i"))"
    else
      echo "node $i $(addr "$i") dockerd stopped"
    fi
  done
  if running 1; then
    dk 1 node ls
  fi
}

solo() {
  bridge_up
  netns_up 9
  start_node 9
  load_image 9
  echo "export TUXPILOT_SOLO_HOST=$(sock 9)"
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  solo) solo ;;
  down) down ;;
  node-stop) [[ -n ${2:-} ]] || die "node-stop I"; stop_node "$2"; say "node $2 stopped" ;;
  node-start) [[ -n ${2:-} ]] || die "node-start I"; netns_up "$2"; start_node "$2"; say "node $2 started" ;;
  status) status ;;
  *) die "usage: $0 up [N] | solo | down | node-stop I | node-start I | status" ;;
esac
