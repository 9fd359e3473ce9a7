#!/usr/bin/env python3
"""Checks the layers of the core (core/src): no import cycle between its top-level modules, and
the layer rules of docs/architecture.md:

  model     uses nothing of the crate
  l10n      (the words, in every language) uses nothing of the crate
  pump      uses only model
  store     uses only model
  features  (therapy, link, diary, recovery, card, dashboard, alerts, export, notifications)
            use model, pump, store and other features, never app
  app       may use everything

Every reference counts, not only `use` lines: inline paths (`crate::store::Store`), grouped
imports (`use crate::{card, diary}`), and `super::` chains that climb out of a module. Comments
and string literals are ignored. Unit-test modules count too.

    python3 tests/layers.py              # check core/src, print the module graph
    python3 tests/layers.py --self-test  # show that the checker catches what it must
Exit status 1 when a rule is broken.
"""
import os
import re
import sys
import tempfile

LOWER = {"model": set(), "l10n": set(), "pump": {"model"}, "store": {"model"}}
FEATURES = {"therapy", "link", "diary", "recovery", "card", "dashboard", "alerts", "export",
            "notifications", "erasure"}
TOP = "app"


def strip(src):
    """Source without comments, string and char literals (their contents become spaces)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and not (i and (src[i-1].isalnum() or src[i-1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = src.find('"' + m.group(1), i + len(m.group(0)))
            out.append(" ")
            i = n if end < 0 else end + 1 + len(m.group(1))
        elif c == '"':
            i += 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
            out.append('""')
            i += 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", src[i:i + 12]) :
            m = re.match(r"'(\\.[^']*|[^\\'])'", src[i:])
            out.append("' '")
            i += len(m.group(0)) if m else 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def group_heads(text, start):
    """First identifiers of the items of the brace group opening at text[start] ('{')."""
    depth, item, heads, i = 0, "", [], start
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == "}":
            depth -= 1
            if depth == 0:
                heads.append(item)
                break
        if depth == 1 and c == ",":
            heads.append(item)
            item = ""
        elif depth >= 1:
            item += c
        i += 1
    out = []
    for h in heads:
        m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", h)
        if m and m.group(1) not in ("self", "super", "crate"):
            out.append(m.group(1))
    return out


def module_path(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def references(text, modpath):
    """Top-level modules this (stripped) file refers to."""
    refs = set()
    # Inline modules: track `mod name {` so `super::` inside them resolves correctly.
    inline = []  # (name, depth at which it opened)
    depth = 0
    tokens = re.finditer(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{|[{}]|\b(crate|super)\b(\s*::\s*)", text)
    for m in tokens:
        tok = m.group(0)
        if m.group(1):
            depth += 1
            inline.append((m.group(1), depth))
            continue
        if tok == "{":
            depth += 1
            continue
        if tok == "}":
            if inline and inline[-1][1] == depth:
                inline.pop()
            depth -= 1
            continue
        here = modpath + [name for name, _ in inline]
        if m.group(2) == "crate":
            base, pos = [], m.end()
        else:
            base, pos = here[:-1], m.end()
            while True:
                s = re.match(r"\s*super\s*::\s*", text[pos:])
                if not s:
                    break
                base, pos = base[:-1], pos + s.end()
        rest = text[pos:]
        if base:
            refs.add(base[0])
            continue
        if rest.lstrip().startswith("{"):
            refs.update(group_heads(text, pos + (len(rest) - len(rest.lstrip()))))
            continue
        nm = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", rest)
        if nm:
            refs.add(nm.group(1))
    return refs


def graph(root):
    edges = {}
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            mp = module_path(root, path)
            if not mp:
                continue  # the crate root: declares the modules and re-exports them
            with open(path, encoding="utf-8") as fh:
                refs = references(strip(fh.read()), mp)
            top = mp[0]
            for r in refs:
                if r != top:
                    edges.setdefault(top, {}).setdefault(r, set()).add(os.path.relpath(path, root))
            edges.setdefault(top, {})
    modules = set(edges)
    return {m: {k: v for k, v in e.items() if k in modules} for m, e in edges.items()}


def cycles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
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
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def problems(edges):
    found = []
    for comp in cycles(edges):
        found.append("cycle between modules: " + " <-> ".join(comp))
    for m, uses in sorted(edges.items()):
        for u, files in sorted(uses.items()):
            where = ", ".join(sorted(files))
            if m in LOWER and u not in LOWER[m]:
                found.append(f"`{m}` may use only {sorted(LOWER[m]) or 'nothing'} but uses `{u}` ({where})")
            elif m in FEATURES and u == TOP:
                found.append(f"feature `{m}` uses `{TOP}` ({where})")
            elif m not in LOWER and m not in FEATURES and m != TOP:
                found.append(f"`{m}` is not in any layer: add it to tests/layers.py and docs/architecture.md")
    return sorted(set(found))


def check(root):
    edges = graph(root)
    for m in sorted(edges):
        print(f"{m:10} -> {', '.join(sorted(edges[m])) or '(nothing)'}")
    found = problems(edges)
    for p in found:
        print("LAYERS: " + p)
    return found


def self_test():
    """Builds small crates that break each rule and checks that each is caught."""
    cases = {
        "inline path from model to store": {
            "model/mod.rs": "pub fn f() -> crate::store::S { todo!() }",
            "store/mod.rs": "pub struct S;",
        },
        "grouped import of app in a feature": {
            "diary/mod.rs": "use crate::{model::X, app::Y};",
            "app/mod.rs": "", "model/mod.rs": "",
        },
        "cycle between two features": {
            "diary/mod.rs": "use crate::recovery::R;",
            "recovery/db.rs": "fn f() { let _ = crate::diary::D; }",
        },
        "super chain climbing into a sibling": {
            "store/journal/x.rs": "use super::super::super::therapy::T;",
            "therapy/mod.rs": "",
        },
        "pump using a feature": {
            "pump/codec.rs": "fn f() { crate::link::L::new(); }",
            "link/mod.rs": "",
        },
    }
    clean = {
        "model/mod.rs": "// crate::store::S in a comment\nconst A: &str = \"crate::app\";\nmod tests { use super::*; }",
        "store/mod.rs": "use crate::model::X;\nmod tests { use super::super::model::Y; }",
        "diary/mod.rs": "use crate::{model, store::journal};",
        "app/mod.rs": "use crate::{diary, store};",
    }
    ok = True
    for name, files in list(cases.items()) + [("a clean crate", clean)]:
        with tempfile.TemporaryDirectory() as d:
            for rel, text in files.items():
                p = os.path.join(d, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", encoding="utf-8") as fh:
                    fh.write(text)
            found = problems(graph(d))
            expected = name != "a clean crate"
            status = "caught" if found else "clean"
            good = bool(found) == expected
            ok &= good
            print(f"{'ok  ' if good else 'FAIL'} {name}: {status} {found if found else ''}")
    return ok


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        sys.exit(0 if self_test() else 1)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.join(here, "..", "core", "src")
    sys.exit(1 if check(root) else 0)
