#!/usr/bin/env bash
# Fuzz the reader frame codecs (FEIG advanced protocol + DCTTECH relay reports, LLRP) with
# libFuzzer + ASan.
#   scripts/fuzz-readers.sh [SECONDS]     (default 300 per target)
# Seeds: the codec test vectors and Tests/ReadersTests/Fixtures/fuzz-regressions/{feig,llrp}.
# Crashes go to .build-fuzz/readers-crashes/; keep a crashing input as
# Tests/ReadersTests/Fixtures/fuzz-regressions/<target>/NAME.hex (hex of the whole input) so
# the test suite replays it (FuzzRegressionTests).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
out=.build-fuzz
reg=Tests/ReadersTests/Fixtures/fuzz-regressions
mkdir -p "$out/readers-crashes" "$out/corpus-feig" "$out/corpus-llrp"

swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name RFIDGate \
    Sources/ReaderProtocols/FEIG/FeigCRC.swift Sources/ReaderProtocols/FEIG/FeigFrame.swift Sources/ReaderProtocols/FEIG/FeigCommands.swift \
    Sources/ReaderProtocols/Relay/DCTTechRelayProtocol.swift Fuzz/FeigFrameFuzz.swift -o "$out/fuzz-feig"
swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name RFIDGate \
    Sources/ReaderProtocols/LLRP/LLRPFrame.swift Sources/ReaderProtocols/LLRP/LLRPParsing.swift Sources/ReaderProtocols/LLRP/LLRPMessages.swift \
    Fuzz/LLRPFrameFuzz.swift -o "$out/fuzz-llrp"

python3 - "$out" "$reg" <<'PY'
import sys, pathlib, hashlib
out, reg = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def put(target, b):
    (out / f"corpus-{target}" / hashlib.sha1(b).hexdigest()).write_bytes(b)
feig = ["020013FFB000010300E0040100123456783E58", "02001EFFB00004040011013132001101323200110133320011013432B279",
        "020008FFB0006319", "020015FFB00006E00401001234567807030301865A"]
for f in feig:
    for sel in (0, 3, 63): put("feig", bytes([sel]) + bytes.fromhex(f) * 2)
llrp = ["043f000000200000000000f600160080000c00060a24181e4000010000060000",
        "043d0000003a0000000000f000308de2000017010801621000000181000286cc880001015d001700000100073000e20000170108016210000001",
        "041e0000001200000007011f000800000000", "04640000001500000009011f000b00650003626164"]
for m in llrp:
    for sel in (0, 7, 0x80): put("llrp", bytes([sel]) + bytes.fromhex(m))
for t in ("feig", "llrp"):
    for f in (reg / t).glob("*.hex") if (reg / t).exists() else []:
        put(t, bytes.fromhex(f.read_text().strip()))
PY

status=0
for t in feig llrp; do
  echo "== fuzz-$t for ${seconds}s"
  "$out/fuzz-$t" "$out/corpus-$t" -max_total_time="$seconds" -max_len=1024 \
      -artifact_prefix="$out/readers-crashes/$t-" -print_final_stats=1 2>&1 | tail -n 12 || status=1
done
exit $status
