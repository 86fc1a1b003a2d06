#!/usr/bin/env python3
"""How many of compose-go's own loader cases `tuxpilot compose config` decides as compose-go does.

Usage: scripts/compose-go-conformance.py COMPOSE_GO_CHECKOUT [--tuxpilot BIN] [--v2] [--json FILE] [-v]

COMPOSE_GO_CHECKOUT is a checkout of github.com/compose-spec/compose-go (its `loader/` is read,
nothing is copied into this repository). Each test function of `loader/*_test.go` and
`loader/tests/*_test.go` is read for the compose files it loads (a Go string literal given to
`load`, `loadWithEnv`, `loadYAML`, `loadYAMLWithEnv`, `buildConfigDetails` or `Content: []byte(…)`,
or a variable holding one) and for what the test expects of each: the project loads
(`assert.NilError`, or the `load` helpers that assert it), or it is refused
(`assert.ErrorContains`/`assert.Error`/`assert.Check(t, err != nil)`, with the words).

Each case is run through `tuxpilot compose config --format json` in compose-go's loader
directory (the tests' working directory), with only the test's environment, and with
`--no-consistency` where the test skips compose-go's consistency check. A case passes when we
decide as compose-go does; a refusal's words are counted apart. With `--v2`, every case we load is
also run through `docker compose config --format json` and the JSON compared, where v2 (which
embeds an older compose-go) loads it.

Cases the script cannot read (table-driven tests, projects built in Go, remote resources) are
not counted; `-v` lists every case.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CALLS = [
    # (regex before the literal, expectation when the helper asserts it, skips consistency)
    (re.compile(r"\bload\(t,\s*"), "accept", True),
    (re.compile(r"\bloadWithEnv\(t,\s*"), "accept", True),
    (re.compile(r"\bloadYAML\(\s*"), None, True),
    (re.compile(r"\bloadYAMLWithEnv\(\s*"), None, True),
    (re.compile(r"\bbuildConfigDetails\(\s*"), None, False),
    (re.compile(r"Content:\s*\[\]byte\(\s*"), None, False),
]
ASSERT = re.compile(
    r"assert\.(NilError|ErrorContains|Error|Check)\(t,\s*err\b(?:\s*(!=|==)\s*nil)?\s*(?:,\s*)?"
)


def go_string(text, i):
    """The Go string literal at text[i:] and the index after it, or None."""
    if i >= len(text):
        return None
    if text[i] == "`":
        j = text.find("`", i + 1)
        return (text[i + 1 : j], j + 1) if j > 0 else None
    if text[i] == '"':
        j = i + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        try:
            return json.loads(text[i : j + 1]), j + 1
        except ValueError:
            return None
    return None


def go_env(text):
    """A `map[string]string{...}` literal's pairs."""
    return dict(re.findall(r'"([^"]*)"\s*:\s*"([^"]*)"', text))


def functions(src):
    """(name, body) of each top-level func."""
    starts = [m for m in re.finditer(r"^func (\w+)\(", src, re.M)]
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(src)
        yield m.group(1), src[m.start() : end]


def variables(src):
    """Top-level and local `name := `...`` / `var name = `...`` string variables."""
    out = {}
    for m in re.finditer(r"\b(\w+)\s*(?::=|=)\s*(?=[`\"])", src):
        lit = go_string(src, m.end())
        if lit and ("services" in lit[0] or "name:" in lit[0]):
            out[m.group(1)] = lit[0]
    return out


def cases_of(path):
    src = path.read_text()
    globals_ = variables(src)
    for fname, body in functions(src):
        if not fname.startswith("Test"):
            continue
        local = {**globals_, **variables(body)}
        envs = {
            m.group(1): go_env(body[m.end() : body.find("}", m.end()) + 1])
            for m in re.finditer(r"\b(\w+)\s*:?=\s*map\[string\]string\{", body)
        }
        found = []
        for rx, helper_expect, skip in CALLS:
            for m in rx.finditer(body):
                i = m.end()
                lit = go_string(body, i)
                if lit:
                    yaml, after = lit
                else:
                    ident = re.match(r"(\w+)", body[i:])
                    if not ident or ident.group(1) not in local:
                        continue
                    yaml, after = local[ident.group(1)], i + len(ident.group(1))
                rest = body[after : after + 400]
                env = {}
                em = re.match(r"\s*,\s*(map\[string\]string\{[^}]*\}|\w+)", rest)
                if em:
                    arg = em.group(1)
                    env = go_env(arg) if arg.startswith("map") else envs.get(arg, {})
                found.append((m.start(), yaml, env, helper_expect, skip, after))
        found.sort(key=lambda c: c[0])
        # In a multi-file ConfigDetails, the Content literals of one call are one case.
        merged = []
        for c in found:
            if merged and c[0] - merged[-1]["end"] < 120 and merged[-1]["kind"] == "content":
                merged[-1]["files"].append(c[1])
                merged[-1]["end"] = c[5]
                continue
            merged.append(
                {
                    "files": [c[1]],
                    "env": c[2],
                    "expect": c[3],
                    "skip_consistency": c[4],
                    "start": c[0],
                    "end": c[5],
                    "kind": "content" if body[c[0] :].startswith("Content") else "call",
                }
            )
        for k, c in enumerate(merged):
            nxt = merged[k + 1]["start"] if k + 1 < len(merged) else len(body)
            window = body[c["end"] : nxt]
            if "SkipConsistencyCheck = true" in body[c["start"] : nxt] or "SkipConsistencyCheck: true" in body:
                c["skip_consistency"] = True
            if c["expect"] is None:
                a = ASSERT.search(window)
                if not a:
                    continue
                kind, op = a.group(1), a.group(2)
                # `assert.Check(t, err)` fails on a non-nil error, as NilError does.
                if kind == "NilError" or (kind == "Check" and op != "!="):
                    c["expect"] = "accept"
                else:
                    c["expect"] = "refuse"
                    msg = go_string(window, a.end())
                    c["words"] = msg[0] if msg else None
            # Remote resources and service selection need Go options `config` does not have.
            if re.search(r"https://|git@|remote:", "".join(c["files"])) or re.search(
                r"WithSelectedServices|WithoutUnnecessaryResources|ResourceLoaders|loadYamlModel|\btt\.", body[max(0, c["start"] - 300) : nxt]
            ):
                continue
            yield {
                "test": f"{path.parent.name}/{path.name}:{fname}",
                "files": c["files"],
                "env": c["env"],
                "expect": c["expect"],
                "words": c.get("words"),
                "skip_consistency": c["skip_consistency"],
            }


def differences(a, b, path=""):
    """The key paths where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: ours {json.dumps(a)[:120]} v2 {json.dumps(b)[:120]}"]


def run(cmd, cwd, env, timeout=30):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"


def config(tool, case, loader_dir, tmp):
    # The files are where the tests' relative names put them: in the loader directory.
    files = []
    for i, text in enumerate(case["files"]):
        f = loader_dir / f"filename{i}.yml"
        f.write_text(text)
        files += ["-f", str(f)]
    env = {"PATH": os.environ["PATH"], **case["env"]}
    if tool[0] == "docker":
        # No HOME: the tests give compose-go only their own environment.
        env["DOCKER_CONFIG"] = str(Path(tmp) / "docker-config")
    flags = ["--no-consistency"] if case["skip_consistency"] else []
    named = any(re.search(r"^name:", t, re.M) for t in case["files"]) or "COMPOSE_PROJECT_NAME" in case["env"]
    project = [] if named else ["-p", "loader"]
    try:
        return run(
            tool + files + ["--project-directory", str(loader_dir)] + project + ["config", "--format", "json"] + flags,
            loader_dir,
            env,
        )
    finally:
        for i in range(len(case["files"])):
            (loader_dir / f"filename{i}.yml").unlink(missing_ok=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkout")
    ap.add_argument("--tuxpilot", default=str(Path(__file__).resolve().parent.parent / "target/release/tuxpilot"))
    ap.add_argument("--v2", action="store_true", help="also compare the JSON with docker compose v2's")
    ap.add_argument("--json", help="write every case and its result here")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    loader_dir = Path(a.checkout) / "loader"
    paths = sorted(loader_dir.glob("*_test.go")) + sorted((loader_dir / "tests").glob("*_test.go"))
    cases = [c for p in paths for c in cases_of(p)]
    ours = [a.tuxpilot, "compose"]
    v2 = ["docker", "compose"]
    stats = {"cases": 0, "pass": 0, "refusals": 0, "words": 0, "v2_compared": 0, "v2_equal": 0}
    results = []
    for c in cases:
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, err = config(ours, c, loader_dir, tmp)
            got = "accept" if rc == 0 else "refuse"
            ok = got == c["expect"]
            words = None
            if c["expect"] == "refuse":
                stats["refusals"] += 1
                words = bool(ok and c["words"] and c["words"] in err)
                stats["words"] += words
            v2_equal = None
            if a.v2 and rc == 0:
                vrc, vout, verr = config(v2, c, loader_dir, tmp)
                if vrc == 0:
                    stats["v2_compared"] += 1
                    diff = differences(json.loads(out), json.loads(vout))
                    v2_equal = not diff
                    stats["v2_equal"] += v2_equal
        stats["cases"] += 1
        stats["pass"] += ok
        r = {**c, "got": got, "pass": ok, "words_match": words, "error": err.strip()[-400:] if rc else None}
        if v2_equal is not None:
            r["v2_equal"] = v2_equal
            if diff:
                r["v2_differences"] = diff[:8]
        results.append(r)
        if a.verbose or not ok:
            mark = "ok  " if ok else "MISS"
            detail = "" if ok else f"  (expected {c['expect']}{': ' + repr(c['words']) if c['words'] else ''}; {err.strip()[-200:] or 'loaded'})"
            print(f"{mark} {c['test']}{detail}")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    s = stats
    print(
        f"\ncompose-go loader cases: {s['pass']}/{s['cases']} decided as compose-go decides "
        f"({100 * s['pass'] / max(s['cases'], 1):.1f} %); refusals in its words: {s['words']}/{s['refusals']}"
    )
    if a.v2:
        print(f"JSON equal to docker compose v2's where v2 loads the case: {s['v2_equal']}/{s['v2_compared']}")


if __name__ == "__main__":
    sys.exit(main())
