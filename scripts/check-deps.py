#!/usr/bin/env python3
"""Checks the module rules of ARCHITECTURE.md on `swift package dump-package`:
rfidgatectl does not reach Daemon; nothing Gate reaches depends on GRDB; Readers does not
reach ReaderEmulators; the pure cores depend on nothing with I/O; only Daemon, rfidgated,
rfidgate-bench and tests reach ILSSimulator. Exits 1 naming the path."""
import json, subprocess, sys

pkg = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
deps, kinds = {}, {}
for t in pkg["targets"]:
    kinds[t["name"]] = t.get("type", "regular")
    names = []
    for d in t.get("dependencies", []):
        if "byName" in d: names.append(d["byName"][0])
        elif "target" in d: names.append(d["target"][0])
        elif "product" in d: names.append("product:" + d["product"][0])
    deps[t["name"]] = names

def path_to(start, goal):
    """A dependency path from start to goal (a target or product:NAME), or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        if node == goal: return path
        if node in seen: continue
        seen.add(node)
        for d in deps.get(node, []): stack.append((d, path + [d]))
    return None

rules = [
    ("rfidgatectl", "Daemon", "the CLI shares only the config and the control protocol with the daemon"),
    ("Gate", "product:GRDB", "the gate's core judges from CirculationModel, never from SQLite"),
    ("Readers", "ReaderEmulators", "drivers do not depend on their emulators"),
    ("ReaderProtocols", "Readers", "protocol codecs are pure"),
    ("ISO28560", "Readers", "the tag codec is pure"),
    ("SIP2", "product:NIOCore", "the SIP2 codec is pure"),
    ("CirculationModel", "product:GRDB", "the circulation model has no I/O"),
    ("ILSSimulator", "SIP2Client", "the simulated ILS is a server: it shares only the codec with the client"),
    ("KioskCore", "product:Hummingbird", "the screens' views, catalogue and receipt bytes are pure"),
    ("KioskCore", "Readers", "the screens' views, catalogue and receipt bytes are pure"),
    ("StationCore", "Kiosk", "the station's rules know nothing of its screen"),
    ("rfidgatectl", "Kiosk", "the technician's CLI has no web server in it"),
]
# The simulated ILS is an I/O edge for simulation, like ReaderEmulators: of the library modules only
# the daemon's wiring (the station's embedded ILS) may depend on it; executables, benches, tests may.
ils_users = {"Daemon", "rfidgated", "rfidgate-bench"}
failed = False
for start, goal, why in rules:
    p = path_to(start, goal)
    if p:
        failed = True
        print(f"dependency rule broken: {start} reaches {goal} ({' -> '.join(p)}): {why}")
    else:
        print(f"ok  {start} does not reach {goal}")
ils_paths = [path_to(n, "ILSSimulator") for n in sorted(deps)
             if n != "ILSSimulator" and n not in ils_users and kinds[n] != "test"]
for p in filter(None, ils_paths):
    failed = True
    print(f"dependency rule broken: {p[0]} reaches ILSSimulator ({' -> '.join(p)}): only the daemon, benches and tests use the simulated ILS")
if not any(ils_paths):
    print(f"ok  nothing but {', '.join(sorted(ils_users))} and tests reaches ILSSimulator")
sys.exit(1 if failed else 0)
