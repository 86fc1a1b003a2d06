#!/usr/bin/env python3
"""Benchmark of `tuxpilot containers monitor` against `docker stats` on the same engine, same run.

1. Snapshot of N running containers: wall time and CPU time (user+sys of the client process)
   of `tuxpilot containers monitor` (cgroup and api sources) against `docker stats --no-stream`,
   interleaved, several rounds; medians reported.
2. Daemon CPU (dockerd + containerd + shims, from /proc/<pid>/stat) used during SECONDS of 1 Hz
   live monitoring, against an idle baseline of the same length.

Usage: python3 scripts/bench-monitor.py [--containers 50] [--rounds 5] [--seconds 60]
Needs a running engine (scripts/dev-engine.sh) and a release build (cargo build --release -p tuxpilot).
"""
import argparse, os, resource, statistics, subprocess, time, uuid

ap = argparse.ArgumentParser()
ap.add_argument("--containers", type=int, default=50)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--seconds", type=int, default=60)
ap.add_argument("--bin", default="target/release/tuxpilot")
args = ap.parse_args()

IMAGE = "tuxpilot-test/busybox:latest"
label = f"io.tuxpilot.bench={uuid.uuid4().hex[:8]}"
TICK = os.sysconf("SC_CLK_TCK")


def daemon_cpu_seconds():
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            if comm not in ("dockerd", "containerd") and not comm.startswith("containerd-shim"):
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total / TICK


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def live(cmd, seconds):
    start = daemon_cpu_seconds()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:  # docker stats does not always stop on SIGTERM
        p.kill()
        p.wait()
    return daemon_cpu_seconds() - start


ids = []
try:
    print(f"starting {args.containers} containers ({label})", flush=True)
    for i in range(args.containers):
        out = subprocess.run(["docker", "run", "-d", "--label", label, IMAGE, "sleep", "3600"],
                             check=True, capture_output=True, text=True)
        ids.append(out.stdout.strip())
    time.sleep(2)
    filt = ["--filter", f"label={label}"]
    cases = {
        "tuxpilot --source cgroup": [args.bin, "containers", "monitor", "--source", "cgroup", *filt],
        "tuxpilot --source api": [args.bin, "containers", "monitor", "--source", "api", *filt],
        "docker stats --no-stream": ["docker", "stats", "--no-stream", *ids],
    }
    results = {k: [] for k in cases}
    for r in range(args.rounds):
        for name, cmd in cases.items():
            results[name].append(timed(cmd))
    print(f"\n## Snapshot of {args.containers} running containers (median of {args.rounds} interleaved rounds)\n")
    print("| command | wall (s) | client CPU (s) | wall vs docker stats |")
    print("|---|---|---|---|")
    ref = statistics.median(w for w, _ in results["docker stats --no-stream"])
    for name, rs in results.items():
        w = statistics.median(x for x, _ in rs)
        c = statistics.median(x for _, x in rs)
        print(f"| `{name}` | {w:.3f} | {c:.3f} | {ref / w:.1f}x faster |" if name != "docker stats --no-stream"
              else f"| `{name}` | {w:.3f} | {c:.3f} | 1.0x |")

    print(f"\n## Daemon CPU during {args.seconds} s of 1 Hz live monitoring\n", flush=True)
    base = live(["sleep", str(args.seconds + 1)], args.seconds)
    lives = {
        "idle (nothing watching)": base,
        "tuxpilot --source cgroup --interval 1s": live(
            [args.bin, "--format", "json", "containers", "monitor", "--source", "cgroup", "--interval", "1s", *filt], args.seconds),
        "tuxpilot --source api --interval 1s": live(
            [args.bin, "--format", "json", "containers", "monitor", "--source", "api", "--interval", "1s", *filt], args.seconds),
        "docker stats (streaming)": live(["docker", "stats", "--format", "{{json .}}", *ids], args.seconds),
    }
    ds = lives["docker stats (streaming)"] - base
    print("| watcher | daemon CPU (s) | above idle (s) | vs docker stats |")
    print("|---|---|---|---|")
    for name, v in lives.items():
        above = v - base
        ratio = "" if name.startswith("idle") else (f"{ds / above:.1f}x less" if above > 0.005 else f">{ds / 0.005:.0f}x less")
        print(f"| {name} | {v:.2f} | {above:.2f} | {ratio} |")
finally:
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
