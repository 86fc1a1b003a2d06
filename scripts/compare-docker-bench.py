#!/usr/bin/env python3
"""Compare `tuxpilot containers scan` with docker-bench-security's section 5 on the same
running containers (created here, removed afterwards).

Usage: python3 scripts/compare-docker-bench.py DOCKER_BENCH_DIR [--bin target/release/tuxpilot]
DOCKER_BENCH_DIR is a checkout of github.com/docker/docker-bench-security (not vendored; no
network is needed once it is on disk). Prints, per check and container, both verdicts, and exits
non-zero when they disagree on an automated check both tools make per container.
"""
import argparse, json, os, subprocess, sys, tempfile, uuid

ap = argparse.ArgumentParser()
ap.add_argument("bench_dir")
ap.add_argument("--bin", default="target/release/tuxpilot")
args = ap.parse_args()
IMAGE = "tuxpilot-test/busybox:latest"
tag = "tpdbs" + uuid.uuid4().hex[:6]
# Privileged containers cannot start in this sandbox, and docker-bench only looks at running ones.
cases = {
    "capadd": ["--cap-add", "SYS_ADMIN"],
    "hostnet": ["--network", "host"],
    "hostpid": ["--pid", "host"],
    "sock": ["-v", "/var/run/docker.sock:/var/run/docker.sock"],
    "etcrw": ["-v", "/etc:/host-etc"],
    "ports": ["-p", "80:80"],
    "seccomp": ["--security-opt", "seccomp=unconfined"],
    "hardened": ["--user", "65534:65534", "--read-only", "--memory", "64m", "--cpus", "0.5",
                 "--pids-limit", "100", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
                 "--health-cmd", "true", "--restart", "on-failure:3"],
}
# Checks both tools decide per container from the same inspect fields.
CHECKS = ["5.4", "5.5", "5.6", "5.7", "5.8", "5.10", "5.11", "5.12", "5.13", "5.14", "5.15", "5.16",
          "5.17", "5.21", "5.22", "5.26", "5.27", "5.29", "5.31", "5.32"]
names = {}
try:
    for case, flags in cases.items():
        name = f"{tag}-{case}"
        subprocess.run(["docker", "run", "-d", "--name", name, *flags, IMAGE, "sleep", "600"], check=True,
                       stdout=subprocess.DEVNULL)
        names[case] = name
    log = tempfile.mktemp(prefix="dbs-")
    subprocess.run(["bash", "docker-bench-security.sh", "-b", "-c", "container_runtime", "-i", tag, "-l", log],
                   cwd=args.bench_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    with open(log + ".json") as f:
        bench = json.load(f)
    theirs = {}
    for section in bench.get("tests", []):
        for r in section.get("results", []):
            items = r.get("items") or []
            if isinstance(items, str):
                items = items.split()
            theirs[r["id"]] = (r["result"], set(items))
    ours = {}
    out = subprocess.run([args.bin, "--format", "json", "containers", "scan", *sum((["--container", n] for n in names.values()), [])],
                         check=True, capture_output=True, text=True)
    for rep in json.loads(out.stdout):
        ours[rep["target"]] = {f["id"].removeprefix("CIS-") for f in rep["findings"]}
    disagreements = 0
    print("| check | " + " | ".join(cases) + " |")
    print("|---|" + "---|" * len(cases))
    for check in CHECKS:
        result, items = theirs.get(check, ("n/a", set()))
        row = []
        for case, name in names.items():
            t = "WARN" if result == "WARN" and any(name in i for i in items) else ("n/a" if result == "n/a" else "PASS")
            o = "WARN" if check in ours.get(name, set()) else "PASS"
            mark = "" if t == o or t == "n/a" else " ≠"
            if mark:
                disagreements += 1
            row.append(f"{o}/{t}{mark}")
        print(f"| {check} | " + " | ".join(row) + " |")
    print(f"\n(ours/docker-bench per container; {disagreements} disagreement(s))")
    sys.exit(1 if disagreements else 0)
finally:
    if names:
        subprocess.run(["docker", "rm", "-f", *names.values()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
