#!/usr/bin/env python3
"""`tuxpilot compose config --format json` against `docker compose config --format json` on
every compose file under the given directories (checkouts of real projects: docker/compose's
tests, docker/awesome-compose, ...), each run in its own directory with the same environment.

Usage: scripts/compare-compose-v2.py [--tuxpilot BIN] [-v] DIR...

Prints each file only one tool loads (with the other's error), each file whose JSON differs
(the first paths that differ), and the counts. Nothing from the checkouts is copied here.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("dirs", nargs="+")
ap.add_argument("--tuxpilot", default=str(Path(__file__).resolve().parent.parent / "target/release/tuxpilot"))
ap.add_argument("-v", action="store_true", help="also list files both tools refuse, with both errors")
a = ap.parse_args()
TP = a.tuxpilot
NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
files = sorted(
    p for d in a.dirs for p in Path(d).rglob("*.y*ml")
    if p.name in NAMES or p.suffix in (".yml", ".yaml") and "compose" in p.name
)
stats = {"both_ok":0,"equal":0,"we_refuse":0,"v2_refuses":0,"both_refuse":0}
diffs=[]
env = dict(os.environ); env["TUXPILOT_CONFIG"]="/dev/null"; env["NO_COLOR"]="1"
def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30, env=env)
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"
    return p.returncode, p.stdout, p.stderr
for f in files:
    cwd = f.parent
    r1, o1, e1 = run(["docker","compose","-f",f.name,"config","--format","json"], cwd)
    r2, o2, e2 = run([TP,"compose","-f",f.name,"config","--format","json"], cwd)
    if r1==0 and r2==0:
        stats["both_ok"]+=1
        try:
            j1=json.loads(o1); j2=json.loads(o2)
        except Exception as ex:
            print("BADJSON", f, ex); continue
        if j1==j2: stats["equal"]+=1
        else: diffs.append((f,j1,j2))
    elif r1==0:
        stats["we_refuse"]+=1; print("WE REFUSE", f, "::", e2.strip()[:300])
    elif r2==0:
        stats["v2_refuses"]+=1; print("V2 REFUSES", f, "::", e1.strip()[:300])
    else:
        stats["both_refuse"]+=1
        if a.v: print("BOTH", f, "::", e1.strip()[:150], "||", e2.strip()[:150])
print(stats)
def walk(a,b,path,out):
    if type(a)!=type(b): out.append((path,a,b)); return
    if isinstance(a,dict):
        for k in set(a)|set(b):
            if k not in a: out.append((path+"."+k,"<missing>",b[k]))
            elif k not in b: out.append((path+"."+k,a[k],"<missing>"))
            else: walk(a[k],b[k],path+"."+k,out)
    elif isinstance(a,list):
        if len(a)!=len(b): out.append((path,a,b)); return
        for i,(x,y) in enumerate(zip(a,b)): walk(x,y,f"{path}[{i}]",out)
    elif a!=b: out.append((path,a,b))
for f,a,b in diffs:
    out=[]; walk(a,b,"",out)
    print("DIFF", f)
    for p,x,y in out[:8]: print("   ",p,"v2=",json.dumps(x)[:200],"tp=",json.dumps(y)[:200])
