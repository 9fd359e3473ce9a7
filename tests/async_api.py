#!/usr/bin/env python3
"""Every call of the apps' API that touches the disk, the network or the radio is async: this
reads the generated Kotlin bindings (build/bindings/kotlin/org/thecal/core/thecal.kt, made by
tests/bindings.sh) and fails on any exported function or method that is not `suspend` and not
on the reviewed list of pure calls below. The methods of the traits the apps implement
(BleTransport, listeners, SecretStore) are the apps' side and are not checked.

    python3 tests/async_api.py [path/to/thecal.kt]
"""
import os
import re
import sys

# Reviewed: each is pure (values in, values out, or in-memory state), quick, and never waits.
PURE = {
    # Thecal: hands out sub-APIs; reads its configuration or an in-memory count.
    "card", "caregivers", "diary", "export", "link", "notifications", "pumps", "recovery",
    "timeZone", "dashboardWatcherCount",
    # PumpLink: an in-memory count.
    "subscriberCount",
    # Subscription: removes a listener from memory.
    "cancel",
    # TransportEvents: the app's transport hands over what it received (queued, never waits).
    "notification", "disconnected",
    # Card: a localised sentence. Thecal: a forecast date in words (the configured zone, the clock).
    "followUpText", "describeDateRange",
    # Thecal: the language (in memory) and texts worded from the files compiled into the library
    # (inflated from memory once, never read from disk).
    "language", "setLanguages", "alarmText", "text",
    # Recovery: guidance compiled into the library.
    "assess", "redFlags", "withdrawalGuidance",
    # Frame decoders (pure functions of the bytes).
    "decodeAnnunciationFrame", "decodeAnyFrame", "decodeFeaturesFrame",
    "decodeHistoryRecordFrame", "decodeStatusFrame",
    # Methods of records and enums: computed from their fields (units, readings, pump kinds).
    "age", "reservoirPercent", "batteryReplaceable", "acceptsReservoir", "milliliters",
    "milligramsPerDay", "milligramsPerMilliliter", "volumeFor",
}

FOREIGN_TRAITS = {"BleTransport", "LinkListener", "DashboardListener", "SecretStore", "HttpClient"}


def exported_functions(text):
    found = {}
    in_foreign = False
    depth = 0
    for line in text.splitlines():
        m = re.match(r"public interface (\w+)", line)
        if m and m.group(1) in FOREIGN_TRAITS:
            in_foreign, depth = True, 0
        if in_foreign:
            depth += line.count("{") - line.count("}")
            if depth <= 0 and "}" in line:
                in_foreign = False
            continue
        f = re.search(r"\bfun `(\w+)`\(", line)
        if not f or "override" in line:
            continue
        found.setdefault(f.group(1), set()).add("suspend" in line.split("fun `")[0])
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "build", "bindings", "kotlin", "org", "thecal", "core", "thecal.kt")
    with open(path, encoding="utf-8") as fh:
        functions = exported_functions(fh.read())
    sync = sorted(n for n, kinds in functions.items() if False in kinds)
    asynchronous = sorted(n for n, kinds in functions.items() if True in kinds)
    bad = [n for n in sync if n not in PURE]
    unused = sorted(PURE - set(sync))
    print(f"{len(asynchronous)} async calls, {len(sync)} synchronous ({len(sync) - len(bad)} reviewed as pure)")
    for n in bad:
        print(f"ASYNC: `{n}` is synchronous but not reviewed as pure: make it async, or review it")
    for n in unused:
        print(f"note: `{n}` is on the reviewed list but no longer exported synchronously")
    if not asynchronous:
        print("ASYNC: no async call found: the check itself is broken")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
