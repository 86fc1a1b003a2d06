#!/usr/bin/env python3
"""Finds files that import each other, directly or around a circle, in every crate of the
workspace (the house rule: the file graph has no loops).

A file imports another when it names a module of it: `use crate::a::b`, `super::x::y`,
`self::x`, or a child module it declares (`mod x;` then `x::f()`). `mod x;` itself is a
declaration, not an import. Test modules (`#[cfg(test)] mod tests`) are left out: a test of a
file may use its parent.

Usage: scripts/check-file-cycles.py [ROOT]. Prints each circle and exits 1 when there is one.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
PATH_RE = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
MOD_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;", re.M)
BRACE_RE = re.compile(r"\b(crate|super|self)::\{([^}]*)\}")


def strip(text):
    """Source without comments, strings and `#[cfg(test)]` modules."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def crate_files(src):
    files = {}
    for d, _, names in os.walk(src):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.join(d, n)
                rel = os.path.relpath(p, src)[:-3].split(os.sep)
                if rel[-1] in ("mod", "lib", "main"):
                    rel = rel[:-1]
                files[tuple(rel)] = p
    return files


USE_RE = re.compile(r"^\s*pub(?:\([^)]*\))?\s+use\s+([^;]+);", re.M)


def reexports(files, texts):
    """For each file, the names it re-exports (`pub use x::Name`) and the path they come from."""
    out = {}
    for module, text in texts.items():
        names = {}
        for m in USE_RE.finditer(text):
            body = " ".join(m.group(1).split())
            if "{" in body:
                prefix, rest = body.split("{", 1)
                items = [prefix + i.strip() for i in rest.rstrip("}").split(",") if i.strip()]
            else:
                items = [body]
            for item in items:
                path, _, alias = item.partition(" as ")
                parts = [p for p in path.strip().split("::") if p]
                if not parts or parts[-1] == "self":
                    continue
                if parts[-1] == "*":
                    names.setdefault("*", []).append(parts[:-1])
                    continue
                names[(alias.strip() or parts[-1])] = parts
        out[module] = names
    return out


def defines(text, name):
    return re.search(r"\b(?:struct|enum|type|fn|trait|const|static|union|macro_rules!)\s+" + re.escape(name) + r"\b", text)


TEXTS = {}


def resolve(files, module, parts, exported=None, depth=0):
    """The file of the longest module prefix of `module + parts`; a name that module only
    re-exports resolves to the file it comes from."""
    full = list(module) + parts
    for k in range(len(full), -1, -1):
        prefix = tuple(full[:k])
        if prefix in files:
            rest = full[k:]
            if exported and rest and depth < 8:
                src = exported.get(prefix, {}).get(rest[0])
                if src is None and not defines(TEXTS.get(prefix, ""), rest[0]):
                    # A name a glob re-export brings: the module among the globs that defines it.
                    for glob in exported.get(prefix, {}).get("*", []):
                        base = list(prefix) + glob if glob[0] not in ("crate", "super", "self") else None
                        if base is None:
                            continue
                        target = resolve(files, base, [], None, depth + 1)
                        if target is not None and defines(TEXTS.get(target, ""), rest[0]):
                            return target
                if src:
                    head, tail = src[0], src[1:]
                    base = [] if head == "crate" else list(prefix) if head == "self" else list(prefix) + [head]
                    if head == "super":
                        base = list(prefix)[:-1]
                    found = resolve(files, base, tail, exported, depth + 1)
                    if found is not None:
                        return found
            return prefix
    return None


def edges(files):
    graph = {m: set() for m in files}
    texts = {m: strip(open(p, encoding="utf-8").read()) for m, p in files.items()}
    TEXTS.clear()
    TEXTS.update(texts)
    exported = reexports(files, texts)
    for module, path in files.items():
        text = texts[module]
        here = list(module)
        refs = []
        for m in BRACE_RE.finditer(text):
            for item in m.group(2).split(","):
                item = item.strip().split(" as ")[0]
                if item and item != "self":
                    refs.append((m.group(1), [p for p in item.split("::") if p and p != "{"]))
        for m in PATH_RE.finditer(text):
            refs.append((m.group(1), [p for p in m.group(2).split("::") if p]))
        children = MOD_RE.findall(text)
        for c in children:
            for m in re.finditer(r"(?<![:\w])" + re.escape(c) + r"::", text):
                refs.append(("self", [c]))
        for kind, parts in refs:
            if kind == "crate":
                base = []
            elif kind == "self":
                base = here
            else:  # super
                base = here[:-1]
                while parts and parts[0] == "super":
                    parts, base = parts[1:], base[:-1]
            target = resolve(files, base, parts, exported)
            if target is not None and target != module:
                graph[module].add(target)
    return graph


def cycles(graph):
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    found = 0
    for top in ("crates", "cli", "tests"):
        base = os.path.join(ROOT, top)
        if not os.path.isdir(base):
            continue
        srcs = [os.path.join(base, "src")] if top != "crates" else [
            os.path.join(base, c, "src") for c in sorted(os.listdir(base))
        ]
        for src in srcs:
            if not os.path.isdir(src):
                continue
            files = crate_files(src)
            for comp in cycles(edges(files)):
                found += 1
                names = sorted(os.path.relpath(files[m], ROOT) for m in comp)
                print(f"circle of {len(names)} files: " + ", ".join(names))
    if found:
        print(f"{found} circle(s): move the names that close each one so that no file imports a file that imports it back")
        return 1
    print("no file imports a file that imports it back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
