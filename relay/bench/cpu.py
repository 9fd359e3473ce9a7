"""CPU used by the relay processes, PostgreSQL, the load driver and everything else on the
machine between two snapshots: `python3 cpu.py snap FILE` then `python3 cpu.py diff FILE`.
The machine is shared, so a figure means little without knowing what else ran."""
import json
import os
import sys
import time

GROUPS = {"relay": "thecal-relay", "postgres": "postgres", "driver": "relay-load"}


def snapshot():
    ticks = {k: 0 for k in GROUPS}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            comm = open(f"/proc/{p}/comm").read().strip()
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for k, prefix in GROUPS.items():
            if comm.startswith(prefix):
                ticks[k] += int(fields[11]) + int(fields[12])
    cpu = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    ticks["busy"] = sum(cpu) - cpu[3] - cpu[4]
    ticks["time"] = time.time()
    return ticks


if sys.argv[1] == "snap":
    json.dump(snapshot(), open(sys.argv[2], "w"))
else:
    a, b = json.load(open(sys.argv[2])), snapshot()
    hz, el = os.sysconf("SC_CLK_TCK"), b["time"] - a["time"]
    used = {k: (b[k] - a[k]) / hz / el for k in list(GROUPS) + ["busy"]}
    if len(sys.argv) > 3:  # the driver has exited: it reports its own CPU seconds
        used["driver"] = float(sys.argv[3]) / el
    used["other"] = max(0.0, used["busy"] - sum(used[k] for k in GROUPS))
    print("cpu (cores, of %d): " % os.cpu_count() + ", ".join(f"{k} {v:.2f}" for k, v in used.items() if k != "busy"))
