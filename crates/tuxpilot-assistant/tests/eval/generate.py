#!/usr/bin/env python3
"""Writes patterns.jsonl (development) and holdout.jsonl (held out) from phrasing patterns.

Each pattern is one way of saying one intent, filled with the targets users name: a plain
container, a service with replicas, a service of a project or app, a project. The held-out
patterns (HELD below) are other frames, verbs and ways of naming than the development ones, and
were written before the parser was run on them; their misses are not looked at while developing
(see tests/accuracy.rs). Two earlier held-out sets were measured blind, then developed on, and
are part of patterns.jsonl now: the first whole, the second after its unsafe cases were looked at. Run from this directory: python3 generate.py
"""
import json

INV = "mixed"
# name as said -> target as resolved (the `mixed` inventory in inventories.json)
PLAIN = {"gateway": "gateway", "cache": "cache"}
SERVICE = {"api": "demo/api", "web": "shop/web", "the web service": "shop/web", "the api replicas": "demo/api"}
PAIR = {"the shop db": "shop/db", "the api of demo": "demo/api", "demo's worker": "demo/worker",
        "the db in the shop project": "shop/db", "worker of demo": "demo/worker"}
ALL_T = {**PLAIN, **SERVICE, **PAIR}

VERBS = {  # intent: [(imperative, -ing, past)]
    "restart": [("restart", "restarting", "restarted"), ("reboot", "rebooting", "rebooted"),
                ("bounce", "bouncing", "bounced")],
    "stop": [("stop", "stopping", "stopped"), ("halt", "halting", "halted"), ("shut down", "shutting down", "shut down")],
    "start": [("start", "starting", "started"), ("boot", "booting", "booted")],
    "remove": [("remove", "removing", "removed"), ("delete", "deleting", "deleted"), ("get rid of", "getting rid of", "got rid of")],
}

cases = []  # (pattern id, text, intent, arguments)


def add(pid, text, intent, args=None):
    cases.append((pid, text, intent, args))


orders = ["{v} {t}", "please {v} {t}", "can you {v} {t}", "{v} {t} now", "go ahead and {v} {t}",
          "I need you to {v} {t}", "{v} {t} for me", "could you {v} {t} please", "kindly {v} {t}",
          "{v} {t} right away"]
negs = ["don't {v} {t}", "never {v} {t}", "please do not {v} {t}", "you shouldn't {v} {t}", "avoid {ing} {t}",
        "do not {v} {t} under any circumstances", "I don't want you to {v} {t}", "no need to {v} {t}"]
questions = ["should I {v} {t}?", "what would happen if I {past} {t}?", "is it safe to {v} {t}?",
             "would it hurt to {v} {t}?", "{v} {t}?", "is it a good idea to {v} {t}?", "do you think I should {v} {t}"]
conds = ["if {t} crashes, {v} it", "{v} {t} if it fails", "whenever {t} is slow, {v} it", "in case {t} dies, {v} it"]
lists = ["{v} {a} and {b}", "{v} {a}, {b}", "{v} both {a} and {b}", "{v} {a} as well as {b}", "{v} {a} plus {b}"]
excepts = ["{v} all containers except {a}", "{v} everything but {a}", "{v} every container apart from {a}",
           "{v} everything other than {a}", "{v} all of them excluding {a}", "{v} everything except {a} and {b}"]

pid = 0
for k, frame in enumerate(orders):
    pid += 1
    for intent, forms in VERBS.items():
        v, ing, past = forms[k % len(forms)]
        for said, target in ALL_T.items():
            if intent == "start" and said in SERVICE:
                continue
            add(pid, frame.format(v=v, t=said), intent, {"target": target})
for frame in negs + questions + conds:
    pid += 1
    for i, (intent, forms) in enumerate(VERBS.items()):
        v, ing, past = forms[(pid + i) % len(forms)]
        for said in list(ALL_T)[(pid % 3)::3]:
            add(pid, frame.format(v=v, ing=ing, past=past, t=said), "clarify")
pairs = [("gateway", "cache"), ("cache", "gateway"), ("gateway", "the shop db"), ("the api of demo", "cache")]
for frame in lists:
    pid += 1
    for intent in ["restart", "stop", "remove"]:
        v = VERBS[intent][0][0]
        for a, b in pairs:
            add(pid, frame.format(v=v, a=a, b=b), intent, {"targets": [ALL_T[a], ALL_T[b]]})
for frame in excepts:
    pid += 1
    for intent in ["restart", "stop"]:
        v = VERBS[intent][0][0]
        for a, b in [("gateway", "cache"), ("the shop db", "gateway"), ("cache", "the api of demo")]:
            ex = [ALL_T[a]] + ([ALL_T[b]] if "{b}" in frame else [])
            add(pid, frame.format(v=v, a=a, b=b), intent, {"target": "all", "except": ex})

reads = {
    "logs": ["show the logs of {t}", "logs for {t}", "what is {t} printing", "tail the logs of {t}",
             "let me see {t}'s output", "any errors in the {t} logs?"],
    "inspect": ["inspect {t}", "describe {t}", "tell me about {t}", "details of {t}"],
    "diagnose": ["why does {t} keep crashing?", "what's wrong with {t}", "diagnose {t}", "{t} is broken, why?"],
}
for intent, frames in reads.items():
    for frame in frames:
        pid += 1
        for said in ["gateway", "the shop db", "api", "web", "the api of demo"]:
            add(pid, frame.format(t=said), intent, {"target": ALL_T[said]})

fixed = {
    "deployments": ["what apps are deployed?", "list my deployments", "show the deployed apps",
                    "which applications do I have?", "show me all apps and their health",
                    "what is deployed right now?", "list deployed applications", "my apps"],
    "prune": ["clean up stopped containers", "prune", "remove unused images", "delete all exited containers",
              "free up disk space", "get rid of dangling images", "tidy up the engine", "prune unused networks",
              "clean out the old stopped containers", "garbage collect docker"],
    "monitor_stop": ["stop monitoring", "disable alerts", "turn off monitoring", "stop the alerts",
                     "no more monitoring please", "cancel the monitoring", "switch off alerting", "end monitoring"],
}
for intent, texts in fixed.items():
    for t in texts:
        pid += 1
        add(pid, t, intent, {})
for t, args in [
    ("set up monitoring", {"target": "all", "persist": True}),
    ("start monitoring my containers", {"target": "all", "persist": True}),
    ("enable alerts at 80% cpu", {"target": "all", "cpu_threshold": 80, "persist": True}),
    ("set up alerts when memory goes above 75%", {"target": "all", "memory_threshold": 75, "persist": True}),
    ("alert me if cpu goes over 90%", {"target": "all", "cpu_threshold": 90, "persist": True}),
    ("keep monitoring my containers in the background", {"target": "all", "persist": True}),
    ("notify me when memory is above 85 percent", {"target": "all", "memory_threshold": 85, "persist": True}),
    ("configure monitoring with a cpu alert at 70%", {"target": "all", "cpu_threshold": 70, "persist": True}),
]:
    pid += 1
    add(pid, t, "monitor", args)
for t, args in [
    ("deploy redis as cache2", {"images": ["redis"], "name": "cache2"}),
    ("deploy postgres 16 and call it pg", {"images": ["postgres:16"], "name": "pg"}),
    ("deploy nginx named frontdoor", {"images": ["nginx"], "name": "frontdoor"}),
    ("launch a redis cache called sessions", {"images": ["redis"], "name": "sessions"}),
    ("deploy app.yaml as staging", {"file": "app.yaml", "name": "staging"}),
    ("deploy mysql 8 as legacy-db", {"images": ["mysql:8"], "name": "legacy-db"}),
]:
    pid += 1
    add(pid, t, "deploy", args)
for t, intent, args in [
    ("scale api to 3", "scale", {"service": "api", "replicas": 3}),
    ("scale the api of demo to 4", "scale", {"service": "demo/api", "replicas": 4}),
    ("add one more worker replica to demo", "scale", {"service": "demo/worker", "delta": 1}),
    ("run 5 copies of demo's api", "scale", {"service": "demo/api", "replicas": 5}),
    ("scale worker of demo down to 1", "scale", {"service": "demo/worker", "replicas": 1}),
    ("show the history of demo", "history", {"app": "demo"}),
    ("what versions of demo were deployed", "history", {"app": "demo"}),
    ("roll back demo", "rollback", {"app": "demo"}),
    ("roll demo back to 1.4", "rollback", {"app": "demo", "to": "1.4"}),
    ("compose down shop", "compose_down", {"project": "shop"}),
    ("take down the shop project", "compose_down", {"project": "shop"}),
    ("tear down the shop compose project", "compose_down", {"project": "shop"}),
    ("docker compose up -p shop", "compose_up", {"project": "shop"}),
    ("bring the shop project back up", "compose_up", {"project": "shop"}),
]:
    pid += 1
    add(pid, t, intent, args)

# ---- more development patterns: other frames, verbs and names, written after the first
# held-out measurement (without looking at the held-out misses).
D_TARGETS = {"the gateway": "gateway", "cache container": "cache", "the worker of demo": "demo/worker",
             "the web replicas": "shop/web", "the shop project's db": "shop/db"}
d_orders = ["yo {v} {t}", "{v} {t} immediately", "alright, {v} {t}", "you can {v} {t}", "{v} {t} real quick",
            "now {v} {t}", "{v} {t} asap please", "do me a favour and {v} {t}", "I want {t} {past}", "{v} {t}!"]
d_verbs = {
    "restart": [("restart", "restarting", "restarted"), ("reload", "reloading", "reloaded"), ("recycle", "recycling", "recycled")],
    "stop": [("stop", "stopping", "stopped"), ("kill", "killing", "killed"), ("power off", "powering off", "powered off")],
    "start": [("start", "starting", "started"), ("fire up", "firing up", "fired up")],
    "remove": [("remove", "removing", "removed"), ("nuke", "nuking", "nuked"), ("trash", "trashing", "trashed")],
}
for k, frame in enumerate(d_orders):
    pid += 1
    for intent, forms in d_verbs.items():
        v, ing, past = forms[k % len(forms)]
        for said, target in D_TARGETS.items():
            add(pid, frame.format(v=v, t=said, past=past), intent, {"target": target})
d_negs = ["do not ever {v} {t}", "stop! don't {v} {t}", "I never asked you to {v} {t}", "no {ing} {t}",
          "please refrain from {ing} {t}", "we should not {v} {t}", "keep {t} as it is, don't {v} it",
          "nobody should {v} {t}", "don't even think about {ing} {t}"]
d_questions = ["could {ing} {t} cause downtime?", "what if we {past} {t}?", "is {ing} {t} a good idea?",
               "when should I {v} {t}?", "do I need to {v} {t}?", "would you recommend {ing} {t}?",
               "what does it mean to {v} {t}?", "is it ok if I {v} {t}?"]
d_conds = ["{v} {t} once it finishes", "when {t} hangs, {v} it", "if {t} uses too much memory, {v} it",
           "{v} {t} after midnight", "{v} {t} whenever it crashes"]
for frame in d_negs + d_questions + d_conds:
    pid += 1
    for i, (intent, forms) in enumerate(d_verbs.items()):
        v, ing, past = forms[(pid + i) % len(forms)]
        for said in list(D_TARGETS)[(pid % 2)::2][:2]:
            add(pid, frame.format(v=v, ing=ing, past=past, t=said), "clarify")
d_lists = ["{v} {a}, and {b}", "{v} {a} with {b}", "{v} {a} and then {b}", "{v} {a} in addition to {b}",
           "{v} {a} + {b}", "{v} {a}, {b} too"]
for frame in d_lists:
    pid += 1
    for intent in ["restart", "stop", "remove"]:
        v = d_verbs[intent][0][0]
        for a, b in [("the gateway", "cache container"), ("the worker of demo", "the gateway")]:
            add(pid, frame.format(v=v, a=a, b=b), intent, {"targets": [D_TARGETS[a], D_TARGETS[b]]})
d_excepts = ["{v} all except the {a}", "{v} everything, but not {a}", "{v} all containers, leave {a} alone",
             "{v} everything except {a}, please", "{v} all of them apart from {a}", "{v} all containers except for {a}",
             "{v} every single container but {a}", "{v} all of them except {a} and {b}"]
for frame in d_excepts:
    pid += 1
    for intent in ["restart", "stop"]:
        v = d_verbs[intent][0][0]
        for a, b in [("gateway", "cache container"), ("the worker of demo", "the gateway")]:
            ex = [D_TARGETS.get(a, a)] + ([D_TARGETS[b]] if "{b}" in frame else [])
            add(pid, frame.format(v=v, a=a, b=b), intent, {"target": "all", "except": ex})
for intent, frames in {
    "logs": ["logs of {t} please", "show {t} logs", "what did {t} log", "fetch the logs for {t}"],
    "diagnose": ["what's the matter with {t}", "{t} died, what happened?", "debug {t}"],
    "inspect": ["what image is {t} running", "status of {t}"],
}.items():
    for frame in frames:
        pid += 1
        for said in ["the gateway", "the worker of demo", "the web replicas"]:
            add(pid, frame.format(t=said), intent, {"target": D_TARGETS[said]})
for intent, texts in {
    "deployments": ["what's running as apps?", "show deployments", "list all deployed apps and versions",
                    "which apps are up?", "app status", "give me an overview of my apps"],
    "prune": ["clean up unused stuff", "remove dangling images", "delete exited containers", "prune stopped containers",
              "cleanup please", "clear out old containers and images", "remove all stopped containers"],
    "monitor_stop": ["stop watching my containers", "turn monitoring off", "kill the monitoring",
                     "I don't need alerts anymore, stop them", "disable alerting"],
}.items():
    for t in texts:
        pid += 1
        add(pid, t, intent, {})
for t, intent, args in [
    ("set up memory alerts at 80%", "monitor", {"target": "all", "memory_threshold": 80, "persist": True}),
    ("switch on monitoring", "monitor", {"target": "all", "persist": True}),
    ("activate alerts above 95% cpu", "monitor", {"target": "all", "cpu_threshold": 95, "persist": True}),
    ("enable monitoring", "monitor", {"target": "all", "persist": True}),
    ("deploy redis under the name jobs", "deploy", {"images": ["redis"], "name": "jobs"}),
    ("deploy mongo as docs", "deploy", {"images": ["mongo"], "name": "docs"}),
    ("install nginx and name it www", "deploy", {"images": ["nginx"], "name": "www"}),
    ("scale demo's worker to 3", "scale", {"service": "demo/worker", "replicas": 3}),
    ("two more api replicas for demo", "scale", {"service": "demo/api", "delta": 2}),
    ("stop the shop project", "stop", {"target": "shop"}),
]:
    pid += 1
    add(pid, t, intent, args)

DEV_PATTERNS = pid

# ---- HELD: held-out patterns -------------------------------------------------------------
H_TARGETS = {"the gateway container": "gateway", "the cache": "cache", "demo's api": "demo/api",
             "the worker service of demo": "demo/worker", "shop's web": "shop/web"}
H_VERBS = {
    "restart": [("recycle", "recycling", "recycled"), ("restart", "restarting", "restarted")],
    "stop": [("kill", "killing", "killed"), ("terminate", "terminating", "terminated"), ("turn off", "turning off", "turned off")],
    "start": [("resume", "resuming", "resumed"), ("start", "starting", "started")],
    "remove": [("destroy", "destroying", "destroyed"), ("erase", "erasing", "erased"), ("remove", "removing", "removed")],
}
h_orders = ["{v} {t} asap", "hey, {v} {t}", "ok {v} {t}", "would you {v} {t}", "{v} {t}, thanks", "time to {v} {t}",
            "let's {v} {t}", "{v} {t} please", "I'd like you to {v} {t}", "make sure you {v} {t}"]
h_negs = ["please never {v} {t}", "under no circumstances {v} {t}", "do NOT {v} {t}", "I said don't {v} {t}",
          "hold off on {ing} {t}", "let's not {v} {t}", "don't you dare {v} {t}", "you must never {v} {t}"]
h_questions = ["can I {v} {t} safely?", "what happens when I {v} {t}?", "would {ing} {t} lose data?",
               "any risk in {ing} {t}?", "how would I {v} {t}?", "should {t} be {past}?"]
h_conds = ["{v} {t} when it becomes unhealthy", "after the backup finishes, {v} {t}", "{v} {t} unless it is busy",
           "as soon as {t} fails, {v} it"]
h_lists = ["{v} {a} & {b}", "{v} {a} together with {b}", "{v} {a} along with {b}", "{v} {a} and also {b}",
           "{v} {a} and {b} please"]
h_excepts = ["{v} everything except for {a}", "{v} all the containers but {a}", "{v} all, except {a}",
             "{v} all containers besides {a}", "{v} every container save for {a}", "{v} all except {a} please"]
for k, frame in enumerate(h_orders):
    pid += 1
    for intent, forms in H_VERBS.items():
        v, ing, past = forms[k % len(forms)]
        for said, target in H_TARGETS.items():
            add(pid, frame.format(v=v, t=said), intent, {"target": target})
for frame in h_negs + h_questions + h_conds:
    pid += 1
    for i, (intent, forms) in enumerate(H_VERBS.items()):
        v, ing, past = forms[(pid + i) % len(forms)]
        for said in list(H_TARGETS)[(pid % 2)::2][:2]:
            add(pid, frame.format(v=v, ing=ing, past=past, t=said), "clarify")
for frame in h_lists:
    pid += 1
    for intent in ["restart", "stop", "remove"]:
        v = H_VERBS[intent][-1][0]
        for a, b in [("the cache", "the gateway container"), ("demo's api", "the cache")]:
            add(pid, frame.format(v=v, a=a, b=b), intent, {"targets": [H_TARGETS[a], H_TARGETS[b]]})
for frame in h_excepts:
    pid += 1
    for intent in ["restart", "stop"]:
        v = H_VERBS[intent][-1][0] if intent == "restart" else "stop"
        for a in ["the cache", "demo's api"]:
            add(pid, frame.format(v=v, a=a), intent, {"target": "all", "except": [H_TARGETS[a]]})
h_reads = {
    "logs": ["what's in the logs of {t}", "print {t} logs", "show me what {t} logged"],
    "diagnose": ["why is {t} unhealthy", "{t} keeps dying, why"],
    "inspect": ["get the config of {t}"],
}
for intent, frames in h_reads.items():
    for frame in frames:
        pid += 1
        for said in ["the cache", "demo's api", "shop's web"]:
            add(pid, frame.format(t=said), intent, {"target": H_TARGETS[said]})
for intent, texts in {
    "deployments": ["what's deployed?", "show my applications", "list the apps", "how are my apps doing?"],
    "prune": ["clean up", "remove stopped containers", "delete unused networks", "prune everything unused",
              "clear out exited containers"],
    "monitor_stop": ["stop alerting me", "turn the alerts off", "disable monitoring", "quit monitoring"],
}.items():
    for t in texts:
        pid += 1
        add(pid, t, intent, {})
for t, intent, args in [
    ("set up cpu alerts at 85%", "monitor", {"target": "all", "cpu_threshold": 85, "persist": True}),
    ("turn on monitoring", "monitor", {"target": "all", "persist": True}),
    ("enable monitoring for my containers", "monitor", {"target": "all", "persist": True}),
    ("start alerting when cpu exceeds 75%", "monitor", {"target": "all", "cpu_threshold": 75, "persist": True}),
    ("deploy redis and name it queue", "deploy", {"images": ["redis"], "name": "queue"}),
    ("spin up postgres as orders-db", "deploy", {"images": ["postgres"], "name": "orders-db"}),
    ("deploy nginx, call it edge", "deploy", {"images": ["nginx"], "name": "edge"}),
    ("bump the api of demo to 6 replicas", "scale", {"service": "demo/api", "replicas": 6}),
    ("give demo's worker 2 more instances", "scale", {"service": "demo/worker", "delta": 2}),
    ("shut down the shop compose project", "compose_down", {"project": "shop"}),
]:
    pid += 1
    add(pid, t, intent, args)

# Image updates (issue: safe automatic image updates), development.
for t, intent, args, inv in [
    ("what updates are available", "updates_check", {}, "mixed"),
    ("are there any image updates?", "updates_check", {}, "default"),
    ("check for updates", "updates_check", {}, "mixed"),
    ("check demo for new images", "updates_check", {"target": "demo"}, "mixed"),
    ("is there a newer image for gateway", "updates_check", {"target": "gateway"}, "mixed"),
    ("which containers are outdated", "updates_check", {}, "default"),
    ("any new versions of the images we run?", "updates_check", {}, "default"),
    ("show available updates for shop", "updates_check", {"target": "shop"}, "default"),
    ("update demo now", "updates_apply", {"target": "demo"}, "mixed"),
    ("apply the updates", "updates_apply", {"target": "all"}, "mixed"),
    ("apply all pending image updates", "updates_apply", {"target": "all"}, "default"),
    ("update gateway to the latest image", "updates_apply", {"target": "gateway"}, "mixed"),
    ("pull the newest images and update everything", "updates_apply", {"target": "all"}, "default"),
    ("upgrade shop to the latest images", "updates_apply", {"target": "shop"}, "default"),
    ("keep gateway up to date", "auto_update", {"target": "gateway", "policy": "digest"}, "mixed"),
    ("keep demo up to date", "auto_update", {"target": "demo", "policy": "digest"}, "mixed"),
    ("enable automatic updates for api", "auto_update", {"target": "api", "policy": "digest"}, "default"),
    ("auto-update nginx-proxy", "auto_update", {"target": "nginx-proxy", "policy": "digest"}, "default"),
    ("keep shop updated with patch releases", "auto_update", {"target": "shop", "policy": "patch"}, "default"),
    ("follow minor releases for blog", "auto_update", {"target": "blog", "policy": "minor"}, "default"),
    ("turn off automatic updates for gateway", "auto_update", {"target": "gateway", "policy": "off"}, "mixed"),
    ("stop auto-updating cache", "auto_update", {"target": "cache", "policy": "off"}, "mixed"),
    ("disable auto updates on demo", "auto_update", {"target": "demo", "policy": "off"}, "mixed"),
    ("let demo update itself automatically", "auto_update", {"target": "demo", "policy": "digest"}, "mixed"),
    ("watch old-db for new images and update it automatically", "auto_update", {"target": "old-db", "policy": "digest"}, "mixed"),
    ("keep billing on the latest major version", "auto_update", {"target": "billing", "policy": "major"}, "ops"),
]:
    pid += 1
    cases.append((pid, t, intent, args, inv))

HELD2_PATTERNS = pid

# ---- HELD (third): written blind after the second held-out set was partly looked at (its
# unsafe cases) and folded into development; another inventory (`ops`), other frames and verbs.
O = "ops"
o_targets = {"proxy": "proxy", "the mailer": "mailer", "billing's scheduler": "billing/scheduler",
             "the ingest service": "analytics/ingest", "the db of analytics": "analytics/db", "redis-main": "redis-main"}
o_verbs = {
    "restart": [("restart", "restarting", "restarted"), ("reboot", "rebooting", "rebooted"), ("cycle", "cycling", "cycled")],
    "stop": [("stop", "stopping", "stopped"), ("shut off", "shutting off", "shut off"), ("bring down", "bringing down", "brought down")],
    "start": [("start", "starting", "started"), ("spin up", "spinning up", "spun up"), ("power on", "powering on", "powered on")],
    "remove": [("remove", "removing", "removed"), ("rm", "removing", "removed"), ("wipe", "wiping", "wiped")],
}
o_orders = ["{v} {t}", "could we {v} {t}", "{v} {t} for me please", "quick one: {v} {t}", "{v} {t}, it's stuck",
            "can u {v} {t}", "pls {v} {t}", "{v} {t} thx", "I'd appreciate it if you could {v} {t}", "just {v} {t}"]
o_negs = ["don't {v} {t} yet", "hold on, don't {v} {t}", "wait, do not {v} {t}", "there's no need to {v} {t}",
          "never, ever {v} {t}", "please avoid {ing} {t}", "I'd rather you didn't {v} {t}", "do not {v} {t}, it's critical"]
o_questions = ["what happens if we {v} {t}?", "should {t} get {past}?", "would {ing} {t} be risky?", "how do you {v} {t}?",
               "is {ing} {t} safe right now?", "what is the impact of {ing} {t}?"]
o_conds = ["{v} {t} if memory gets high", "when traffic drops, {v} {t}", "{v} {t} after the release",
           "if the health check fails, {v} {t}", "{v} {t} tonight"]
o_lists = ["{v} {a} and {b} now", "{v} {a}, then {b}", "{v} {a} as well as {b} please", "please {v} {a} and {b}",
           "{v} {a} plus {b} asap"]
o_excepts = ["{v} all running containers except {a}", "{v} everything apart from {a}", "{v} all but {a}",
             "{v} all the things except {a}", "{v} all containers other than {a}", "{v} everything excluding {a} and {b}",
             "{v} all except {a}, {b}"]
for k, frame in enumerate(o_orders):
    pid += 1
    for intent, forms in o_verbs.items():
        v, ing, past = forms[k % len(forms)]
        for said, target in o_targets.items():
            cases.append((pid, frame.format(v=v, t=said), intent, {"target": target}, O))
for frame in o_negs + o_questions + o_conds:
    pid += 1
    for i, (intent, forms) in enumerate(o_verbs.items()):
        v, ing, past = forms[(pid + i) % len(forms)]
        for said in list(o_targets)[(pid % 2)::2][:3]:
            cases.append((pid, frame.format(v=v, ing=ing, past=past, t=said), "clarify", None, O))
for frame in o_lists:
    pid += 1
    for intent in ["restart", "stop", "remove"]:
        v = o_verbs[intent][0][0]
        for a, b in [("proxy", "the mailer"), ("billing's scheduler", "redis-main"), ("the ingest service", "proxy")]:
            cases.append((pid, frame.format(v=v, a=a, b=b), intent, {"targets": [o_targets[a], o_targets[b]]}, O))
for frame in o_excepts:
    pid += 1
    for intent in ["restart", "stop"]:
        v = o_verbs[intent][0][0]
        for a, b in [("proxy", "the mailer"), ("the db of analytics", "redis-main"), ("billing's scheduler", "proxy")]:
            ex = [o_targets[a]] + ([o_targets[b]] if "{b}" in frame else [])
            cases.append((pid, frame.format(v=v, a=a, b=b), intent, {"target": "all", "except": ex}, O))
for intent, frame, extra in [
    ("logs", "show logs for {t}", {}), ("logs", "stream the logs of {t}", {"follow": True}),
    ("logs", "tail 50 lines of {t}", {"tail": 50}), ("diagnose", "why did {t} crash", {}),
    ("diagnose", "troubleshoot {t}", {}), ("diagnose", "{t} is failing, what's up", {}),
    ("inspect", "inspect {t}", {}), ("inspect", "show details for {t}", {}),
]:
    pid += 1
    for said in ["proxy", "billing's scheduler", "the ingest service"]:
        cases.append((pid, frame.format(t=said), intent, {"target": o_targets[said], **extra}, O))
for t, intent, args in [
    ("what apps do I have deployed", "deployments", {}), ("deployment status", "deployments", {}),
    ("show app versions", "deployments", {}),
    ("prune the engine", "prune", {}), ("clean up exited containers and dangling images", "prune", {}),
    ("reclaim disk space", "prune", {}), ("purge stopped containers", "prune", {}),
    ("stop the monitor", "monitor_stop", {}), ("disable the alerts", "monitor_stop", {}),
    ("turn off alerting", "monitor_stop", {}), ("please stop monitoring now", "monitor_stop", {}),
    ("set up monitoring with a cpu alert at 90%", "monitor", {"target": "all", "cpu_threshold": 90, "persist": True}),
    ("monitor my containers in the background", "monitor", {"target": "all", "persist": True}),
    ("enable memory alerts at 80 percent", "monitor", {"target": "all", "memory_threshold": 80, "persist": True}),
    ("deploy redis and call it kv", "deploy", {"images": ["redis"], "name": "kv"}),
    ("deploy nginx as web-edge", "deploy", {"images": ["nginx"], "name": "web-edge"}),
    ("launch postgres named main-db", "deploy", {"images": ["postgres"], "name": "main-db"}),
    ("scale billing's api to 4", "scale", {"service": "billing/api", "replicas": 4}),
    ("add 2 replicas of the scheduler of billing", "scale", {"service": "billing/scheduler", "delta": 2}),
    ("compose down analytics", "compose_down", {"project": "analytics"}),
    ("take the analytics project down", "compose_down", {"project": "analytics"}),
    ("restart the analytics project", "restart", {"target": "analytics"}),
    ("show the history of billing", "history", {"app": "billing"}),
    ("roll back billing", "rollback", {"app": "billing"}),
]:
    pid += 1
    cases.append((pid, t, intent, args, O))

# Image updates, held out: written before the parser had rules for them, never tuned on.
for t, intent, args in [
    ("do we have updates pending?", "updates_check", {}),
    ("look for newer images for proxy", "updates_check", {"target": "proxy"}),
    ("are my containers running old images", "updates_check", {}),
    ("what new image versions exist for analytics?", "updates_check", {"target": "analytics"}),
    ("roll out the available updates to billing", "updates_apply", {"target": "billing"}),
    ("update mailer right away", "updates_apply", {"target": "mailer"}),
    ("install all available image updates", "updates_apply", {"target": "all"}),
    ("make sure redis-main always runs the newest image", "auto_update", {"target": "redis-main", "policy": "digest"}),
    ("automatically update billing to new patch versions", "auto_update", {"target": "billing", "policy": "patch"}),
    ("no more automatic updates for backup", "auto_update", {"target": "backup", "policy": "off"}),
    ("opt proxy into auto updates", "auto_update", {"target": "proxy", "policy": "digest"}),
    ("keep mailer current", "auto_update", {"target": "mailer", "policy": "digest"}),
]:
    pid += 1
    cases.append((pid, t, intent, args, O))

dev, held = [], []
for c in cases:
    p, text, intent, args = c[:4]
    inv = c[4] if len(c) > 4 else INV
    row = {"text": text, "inventory": inv, "intent": intent}
    if args is not None:
        row["arguments"] = args
    row["pattern"] = p
    (held if p > HELD2_PATTERNS else dev).append(row)
for name, rows in [("patterns.jsonl", dev), ("holdout.jsonl", held)]:
    with open(name, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
print(f"{len(dev)} development, {len(held)} held out, {pid} patterns")
