#!/usr/bin/env bash
# Managed host ports (issue 23), in one run on this machine:
#   1. latency: the median of small requests (a fresh connection each, and one kept-alive
#      connection) through a managed port (tcp and http mode) against the same httpd published
#      with `docker run -p` (docker-proxy), interleaved so noise hits both alike;
#   2. zero failed requests: 4 clients ask the managed port without a pause during an update, a
#      failed update that rolls back, a `rollback --to`, a scale 1 -> 3 -> 1, and an update of
#      three replicas behind one port; each transition's requests and failures; and the
#      README's update of examples/app.yaml (GREETING changed) on http://127.0.0.1:18080.
# Prints Markdown tables.
#
#   scripts/bench-proxy.sh [REQUESTS=3000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-3000}"
image="tuxpilot-test/busybox:latest"
bash scripts/dev-engine.sh >/dev/null
cargo build --release -q -p tuxpilot -p tuxpilot-proxy
tp="$PWD/target/release/tuxpilot"
export TUXPILOT_CONFIG=/dev/null
dir=$(mktemp -d)
cleanup() {
  "$tp" containers undeploy benchproxy --progress quiet >/dev/null 2>&1 || true
  "$tp" containers undeploy benchproxyh --progress quiet >/dev/null 2>&1 || true
  [[ ${demo_was_there:-yes} == no ]] && "$tp" containers undeploy demo --volumes --progress quiet >/dev/null 2>&1
  true
  docker rm -f benchproxy-plain >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
plain=$(free); tcpp=$(free); httpp=$(free)
serve='trap "exit 0" TERM; mkdir -p /www; echo $MARK $HOSTNAME > /www/index.html; httpd -f -p 80 -h /www & wait'
docker run -d --name benchproxy-plain -e MARK=plain -p "127.0.0.1:$plain:80" "$image" sh -c "$serve" >/dev/null
app() { # name port mode mark replicas health
  cat >"$dir/$1.yaml" <<YAML
name: $1
version: "$4"
containers:
  web:
    image: $image
    replicas: $5
    environment: {MARK: "$4"}
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo \$\$MARK \$\$HOSTNAME > /www/index.html; httpd -f -p 80 -h /www & wait"]
    stop_grace_period: 5s
    ports: ["127.0.0.1:$2:80"]
    proxy: $3
    health_check: {test: "$6", interval: 500ms, retries: 3}
    update: {monitor: 1s}
YAML
}
ok="wget -q -O /dev/null http://127.0.0.1/"
app benchproxy "$tcpp" tcp 1 1 "$ok"
app benchproxyh "$httpp" http 1 1 "$ok"
"$tp" containers deploy --file "$dir/benchproxy.yaml" --progress quiet >/dev/null
"$tp" containers deploy --file "$dir/benchproxyh.yaml" --progress quiet >/dev/null

echo "## Latency through a managed port ($n requests each, interleaved)"
echo
python3 - "$n" "$plain" "$tcpp" "$httpp" <<'PY'
import http.client, socket, statistics, sys, time
n, ports = int(sys.argv[1]), dict(zip(["docker run -p", "managed tcp", "managed http"], map(int, sys.argv[2:5])))
def fresh(port):
    t = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
    s.close()
    assert b" 200 " in data.split(b"\r\n", 1)[0], data
    return time.perf_counter() - t
conns = {k: http.client.HTTPConnection("127.0.0.1", p) for k, p in ports.items()}
def kept(name):
    c = conns[name]
    t = time.perf_counter()
    try:
        c.request("GET", "/"); r = c.getresponse(); r.read()
    except Exception:
        c.close(); c.connect(); c.request("GET", "/"); r = c.getresponse(); r.read()
    assert r.status == 200
    return time.perf_counter() - t
res = {k: {"fresh": [], "kept": []} for k in ports}
for _ in range(n):
    for k, p in ports.items():
        res[k]["fresh"].append(fresh(p))
        res[k]["kept"].append(kept(k))
base = {m: statistics.median(res["docker run -p"][m]) for m in ("fresh", "kept")}
print("| port | median, new connection | ratio | median, kept-alive client | ratio |")
print("|---|---|---|---|---|")
for k in ports:
    f, kk = statistics.median(res[k]["fresh"]), statistics.median(res[k]["kept"])
    print(f"| {k} | {f*1e3:.3f} ms | {f/base['fresh']:.2f}x | {kk*1e3:.3f} ms | {kk/base['kept']:.2f}x |")
PY
echo
echo "(busybox httpd closes every connection, so a kept-alive client reconnects through docker-proxy"
echo "and tcp mode each time; http mode keeps the client's connection and opens one to the replica.)"

echo
echo "## Requests during transitions (4 clients, a new connection per request)"
echo
hammer() { # port outfile: runs until $dir/stop exists
  python3 - "$1" "$dir/stop" >"$2" <<'PY' &
import os, socket, sys, threading
port, stop = int(sys.argv[1]), sys.argv[2]
ok = [0]; bad = []; lock = threading.Lock()
def run():
    while not os.path.exists(stop):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                b = s.recv(65536)
                if not b: break
                data += b
            s.close()
            good = b" 200 " in data.split(b"\r\n", 1)[0]
        except Exception as e:
            good = False
        with lock:
            if good: ok[0] += 1
            else: bad.append(1)
ts = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(ok[0], len(bad))
PY
}
phase() { # label, command... (port: $port, default the tcp app's)
  local label=$1; shift
  rm -f "$dir/stop"; hammer "${port:-$tcpp}" "$dir/out"; local h=$!
  sleep 0.5
  local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
  sleep 0.5; touch "$dir/stop"; wait "$h"
  read -r good bad <"$dir/out"
  echo "| $label | $(((e - s) / 1000000)) ms | $good | $bad |"
}
echo "| transition (127.0.0.1:$tcpp, tcp) | took | requests answered | failed |"
echo "|---|---|---|---|"
app benchproxy "$tcpp" tcp 2 1 "$ok"
phase "update 1 -> 2 (one replica)" "$tp" containers deploy --file "$dir/benchproxy.yaml" --progress quiet
app benchproxy "$tcpp" tcp 3 1 false
phase "failed update 2 -> 3, rolled back" "$tp" containers deploy --file "$dir/benchproxy.yaml" --progress quiet
phase "rollback --to 1" "$tp" containers rollback benchproxy --to 1 --progress quiet
phase "scale 1 -> 3" "$tp" containers scale benchproxy/web --replicas 3
app benchproxy "$tcpp" tcp 4 3 "$ok"
phase "update 1 -> 4 (three replicas, one port)" "$tp" containers deploy --file "$dir/benchproxy.yaml" --progress quiet
phase "scale 3 -> 1" "$tp" containers scale benchproxy/web --replicas 1

echo
echo "| the README's example (127.0.0.1:18080) | took | requests answered | failed |"
echo "|---|---|---|---|"
demo_was_there=yes
"$tp" containers history demo >/dev/null 2>&1 || demo_was_there=no
"$tp" containers deploy --file examples/app.yaml --progress quiet >/dev/null
port=18080 GREETING="bench $(date +%s)" phase "examples/app.yaml, GREETING changed (db, api x2, web)" \
  "$tp" containers deploy --file examples/app.yaml --progress quiet
