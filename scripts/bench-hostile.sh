#!/usr/bin/env bash
# Time and peak memory of every hostile input of cli/tests/hostile/cases.json, run as the
# release binary, one after the other (a quiet machine gives the figures docs/benchmarks.md
# quotes). Prints a line per case and the slowest and the largest.
#
#   scripts/bench-hostile.sh            builds the release binary first
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q -p tuxpilot
exec python3 - "$PWD/target/release/tuxpilot" "$PWD/cli/tests/hostile/cases.json" <<'PY'
import json, os, subprocess, sys, tempfile, time

binary, cases_file = sys.argv[1], sys.argv[2]
cases = json.load(open(cases_file))
rows = []
for c in cases:
    with tempfile.TemporaryDirectory() as d:
        for name, content in (c.get("files") or {}).items():
            open(os.path.join(d, name), "w").write(content)
        if c.get("fifo"):
            os.mkfifo(os.path.join(d, c["fifo"]))
        args = [a.replace("REQ", "please " * 14000) for a in c["args"]]
        stdin = open(c["stdin"], "rb") if c.get("stdin") else subprocess.DEVNULL
        env = dict(os.environ, TUXPILOT_CONFIG="/dev/null", NO_COLOR="1")
        rss = os.path.join(d, ".rss")
        start = time.monotonic()
        try:
            # GNU time writes the peak resident set size (KiB) of the run to .rss.
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss, binary] + args, cwd=d, env=env,
                               stdin=stdin, capture_output=True, timeout=60)
            code = p.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        took = time.monotonic() - start
        try:
            peak = int(open(rss).read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            peak = None
        rows.append((c["name"], code, took, peak))
for name, code, took, peak in rows:
    mb = f"{peak / 1024:.0f} MB" if peak else "-"
    print(f"{took:7.2f} s  {mb:>7}  exit {code}  {name}")
slowest = max(rows, key=lambda r: r[2])
largest = max((r for r in rows if r[3]), key=lambda r: r[3])
print(f"slowest: {slowest[0]} {slowest[2]:.2f} s; largest: {largest[0]} {largest[3] / 1024:.0f} MB")
PY
