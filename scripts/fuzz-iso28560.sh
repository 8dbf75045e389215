#!/usr/bin/env bash
# Fuzz the ISO28560 decoders with libFuzzer + ASan.
#   scripts/fuzz-iso28560.sh [SECONDS]     (default 600)
# Seeds come from Tests/ISO28560Tests/Fixtures (vectors and fuzz regressions); crashes are written
# to .build-fuzz/crashes/. Keep a crashing input as Tests/ISO28560Tests/Fixtures/fuzz-regressions/NAME.hex
# (hex of the whole input, selector byte first) so the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out=.build-fuzz
mkdir -p "$out/corpus" "$out/crashes"

swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name RFIDGate \
    Sources/ISO28560/*.swift Fuzz/ISO28560Fuzz.swift \
    -o "$out/fuzz-iso28560"

# Seed corpus: every vector under each selector (HF with/without DSFID, UHF split, raw decoders),
# plus the regression inputs.
python3 - "$out/corpus" <<'PY'
import json, sys, pathlib, hashlib
out = pathlib.Path(sys.argv[1])
vectors = json.load(open("Tests/ISO28560Tests/Fixtures/iso28560.json"))
def put(b):
    (out / hashlib.sha1(b).hexdigest()).write_bytes(b)
for v in vectors:
    mem = bytes.fromhex(v["hex"])
    for sel in (0, 1, 3, 2 | (len(mem) << 2) & 0xFC, 2 | (18 << 2)):
        put(bytes([sel & 0xFF]) + mem)
for f in pathlib.Path("Tests/ISO28560Tests/Fixtures/fuzz-regressions").glob("*.hex"):
    put(bytes.fromhex(f.read_text().strip()))
PY

"$out/fuzz-iso28560" "$out/corpus" -max_total_time="$seconds" -max_len=512 \
    -artifact_prefix="$out/crashes/" -print_final_stats=1
