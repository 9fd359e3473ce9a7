"""Prints the share of 2xx answers per endpoint from the hook's log; fails on any 5xx."""
import collections
import json
import sys

calls = collections.defaultdict(collections.Counter)
errors = collections.defaultdict(collections.Counter)
for line in open([a for a in sys.argv[1:] if a != '-v'][0]):
    c = json.loads(line)
    calls[(c["path"], c["method"])][c["status"] // 100] += 1
    if c.get("error"):
        errors[(c["path"], c["method"])][f'{c["status"]} {c["error"]}'] += 1
bad = 0
print(f"{'endpoint':<44} {'calls':>6} {'2xx':>6} {'share':>6}  other")
for (path, method), n in sorted(calls.items()):
    total = sum(n.values())
    ok = n[2]
    other = ", ".join(f"{k}xx: {v}" for k, v in sorted(n.items()) if k != 2)
    print(f"{method + ' ' + path:<44} {total:>6} {ok:>6} {100 * ok / total:>5.0f}%  {other}")
    if "-v" in sys.argv:
        print("      " + ", ".join(f"{k}: {v}" for k, v in errors[(path, method)].most_common(6)))
    bad += n[5]
print(f"5xx answers: {bad}")
sys.exit(1 if bad else 0)
