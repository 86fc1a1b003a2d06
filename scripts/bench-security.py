#!/usr/bin/env python3
"""Benchmark of `tuxpilot containers scan --image` on a locally built ~200 MB image, against
the engine's own export of it (`docker save IMAGE > /dev/null`, the floor: the scanner reads
that same stream). Interleaved rounds, medians; peak memory (max RSS) of the scanner.

Usage: python3 scripts/bench-security.py [--rounds 5] [--bin target/release/tuxpilot]
Needs a running engine (scripts/dev-engine.sh) and a release build.
"""
import argparse, os, random, resource, shutil, statistics, subprocess, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--bin", default="target/release/tuxpilot")
ap.add_argument("--keep", action="store_true", help="keep the image afterwards")
args = ap.parse_args()
TAG = "tuxpilot-bench/scan:latest"
DB = os.path.join(os.path.dirname(__file__), "..", "crates/tuxpilot-security/testdata/osv")

words = ("server listen port timeout retry backend upstream cache worker queue user group path "
         "log level debug info warn error enable disable max min size limit host name").split()


def build():
    d = tempfile.mkdtemp(prefix="tp-bench-sec-")
    try:
        rnd = random.Random(42)
        with open(os.path.join(d, "blob"), "wb") as f:  # 120 MB of incompressible data
            for _ in range(120):
                f.write(rnd.randbytes(1 << 20))
        text = os.path.join(d, "text")
        for i in range(30000):  # ~75 MB of small text/config files
            sub = os.path.join(text, f"{i % 100:02d}")
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, f"conf{i}.conf"), "w") as f:
                for _ in range(40):
                    f.write(" ".join(rnd.choice(words) for _ in range(8)) + f" = {rnd.randint(0, 99999)}\n")
        shutil.copy("/var/lib/dpkg/status", os.path.join(d, "status"))
        shutil.copy("/etc/os-release", os.path.join(d, "os-release"))
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write("FROM tuxpilot-test/busybox:latest\nCOPY os-release /etc/os-release\n"
                    "COPY status /var/lib/dpkg/status\nCOPY blob /data/blob\nCOPY text /srv/text\n")
        subprocess.run(["docker", "build", "-q", "-t", TAG, d], check=True, stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def timed(cmd, stdout=subprocess.DEVNULL):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def max_rss_kib(cmd):
    # A fresh child per measurement: ru_maxrss of RUSAGE_CHILDREN is the largest child so far,
    # so measure in a subprocess that runs only this command.
    out = subprocess.run(["python3", "-c",
                          "import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,"
                          "stderr=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                          *cmd], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


build()
try:
    size = int(subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", TAG], check=True,
                              capture_output=True, text=True).stdout.strip())
    save = ["docker", "save", TAG]
    scan = [args.bin, "--format", "json", "containers", "scan", "--image", TAG, "--db", DB]
    res = {"save": [], "scan": []}
    for _ in range(args.rounds):
        res["save"].append(timed(save))
        res["scan"].append(timed(scan))
    rss = max(max_rss_kib(scan) for _ in range(2))
    s = statistics.median(w for w, _ in res["save"])
    t = statistics.median(w for w, _ in res["scan"])
    print(f"image {TAG}: {size / 1e6:.0f} MB, {args.rounds} interleaved rounds (medians)\n")
    print("| command | wall (s) | CPU (s) | vs floor |")
    print("|---|---|---|---|")
    print(f"| `docker save` > /dev/null (floor) | {s:.2f} | {statistics.median(c for _, c in res['save']):.2f} | 1.00x |")
    print(f"| `tuxpilot containers scan --image` | {t:.2f} | {statistics.median(c for _, c in res['scan']):.2f} | {t / s:.2f}x |")
    print(f"\npeak memory of the scan: {rss / 1024:.0f} MiB")
finally:
    if not args.keep:
        subprocess.run(["docker", "rmi", "-f", TAG], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
