#!/usr/bin/env python3
"""compose watch's sync latency (issue 24): the time from a file written on the host to its new
content read inside the container, for `tuxpilot compose watch` and, in the same run, the peer
`docker compose watch` (v2), on the same project, interleaved.

Each round writes a unique token into src/f.txt and polls `docker exec ... cat` until the token
shows (the poll itself costs a few tens of milliseconds, the same for both tools).

    python3 scripts/bench-watch.py [ROUNDS=15]
"""
import os, statistics, subprocess, sys, tempfile, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
subprocess.run(["bash", "scripts/dev-engine.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
subprocess.run(["cargo", "build", "--release", "-q", "-p", "tuxpilot"], cwd=ROOT, check=True)
TP = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release/tuxpilot")
env = dict(os.environ, TUXPILOT_CONFIG="/dev/null", NO_COLOR="1")


def project(tool):
    name = f"tpbench-watch-{tool}-{os.getpid()}"
    d = tempfile.mkdtemp()
    os.makedirs(f"{d}/src")
    with open(f"{d}/src/f.txt", "w") as f:
        f.write("start\n")
    with open(f"{d}/Dockerfile", "w") as f:
        f.write('FROM tuxpilot-test/busybox:latest\nCMD ["sh", "-c", "trap \'exit 0\' TERM; sleep 3600 & wait"]\n')
    with open(f"{d}/compose.yaml", "w") as f:
        f.write(f"name: {name}\nservices:\n  app:\n    build: .\n    develop:\n      watch:\n"
                "        - {action: sync, path: ./src, target: /app/src}\n")
    return name, d


def start(tool, d):
    cmd = [TP, "compose", "watch"] if tool == "tuxpilot" else ["docker", "compose", "watch"]
    p = subprocess.Popen(cmd, cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p


def read(container):
    r = subprocess.run(["docker", "exec", container, "cat", "/app/src/f.txt"], capture_output=True, text=True)
    return r.stdout.strip()


def one_round(d, container):
    token = uuid.uuid4().hex
    t0 = time.monotonic()
    with open(f"{d}/src/f.txt", "w") as f:
        f.write(token + "\n")
    while read(container) != token:
        if time.monotonic() - t0 > 30:
            return None
    return time.monotonic() - t0


tools = ["tuxpilot", "docker-compose-v2"]
projects = {t: project(t) for t in tools}
procs = {}
try:
    for t in tools:
        name, d = projects[t]
        procs[t] = start(t, d)
    # Ready when a first sync is seen.
    for t in tools:
        name, d = projects[t]
        container = f"{name}-app-1"
        deadline = time.monotonic() + 120
        while one_round(d, container) is None:
            if time.monotonic() > deadline:
                sys.exit(f"{t}: watch never synced")
    results = {t: [] for t in tools}
    for _ in range(rounds):
        for t in tools:
            name, d = projects[t]
            time.sleep(1.0)  # between rounds: a write lands in a batch of its own
            results[t].append(one_round(d, f"{name}-app-1"))
    print(f"compose watch sync latency, file write -> content in the container, {rounds} rounds (seconds)")
    for t in tools:
        got = [r for r in results[t] if r is not None]
        missed = len(results[t]) - len(got)
        print(f"  {t:20} median {statistics.median(got):.3f}  max {max(got):.3f}  missed {missed}")
    ratio = statistics.median([r for r in results['tuxpilot'] if r]) / statistics.median(
        [r for r in results['docker-compose-v2'] if r])
    print(f"  ratio tuxpilot / docker compose v2: {ratio:.2f}")
finally:
    for t, p in procs.items():
        p.terminate()
        p.wait()
    for t in tools:
        name, d = projects[t]
        subprocess.run(["docker", "compose", "-p", name, "down", "-t", "0", "--rmi", "local"], cwd=d,
                       capture_output=True)
