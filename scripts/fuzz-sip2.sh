#!/usr/bin/env bash
# Fuzz the SIP2 codec (framer, decoder, encoder round trip) with libFuzzer + ASan.
#   scripts/fuzz-sip2.sh [SECONDS]     (default 600)
# Seeds: the checksum vectors, typical responses of every kind, CRLF streams and the fuzz
# regressions. Crashes go to .build-fuzz/sip2-crashes/. Keep a crashing input as
# Tests/SIP2Tests/Fixtures/fuzz-regressions/NAME.hex (hex of the whole input, selector byte first)
# so the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out=.build-fuzz
mkdir -p "$out/sip2-corpus" "$out/sip2-crashes"

swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name RFIDGate -module-name SIP2 \
    Sources/SIP2/*.swift Fuzz/SIP2Fuzz.swift -o "$out/fuzz-sip2"

python3 - "$out/sip2-corpus" <<'PY'
import sys, pathlib, hashlib, re
out = pathlib.Path(sys.argv[1])
def put(b):
    (out / hashlib.sha1(b).hexdigest()).write_bytes(b)
def unescape(s):
    return re.sub(rb'\\x([0-9A-Fa-f]{2})', lambda m: bytes([int(m.group(1), 16)]), s.encode())
frames = [
    b"941AY0AZFDFD", b"98YYYYYY 10 1020251121    2340482.00AODEMO|AMDemo Library|BXYYYNYYYYYYYNYYYN|AY1AZDA6B",
    b"121NY20251121    120000AODEMO|AAP0001|ABI0001|AJThe Hobbit|AH20251205    235900|AFChecked out|AY2AZ0000",
    b"101YNN20251121    120000AODEMO|ABI0001|AQMain|AJThe Hobbit|CV04|CTBranch|AY3AZ0000",
    b"1803020120251121    120000ABI0002|AJLes Mis\xc3\xa9rables|AH|AY4AZF27",
    b"64              00120251121    1200000000000000010000000000AODEMO|AAP0001|AEAlice|BLY|CQY|AUI0001|AY5AZ1234",
    b"24Y         Y   00120251121    120000AODEMO|AAP0002|AEBob|BLY|", b"96AZFEF6", b"None",
    b"36Y20251121    120000AODEMO|AAP0001|", b"200" + b"20251121    120000ABI1|AFCOMMAND NOT SUPPORTED|",
    b"301Y" + b"N20251121    120000AODEMO|AAP1|ABI1|AJT|AH2011-10-28 23:59:59|",
]
for sel in (0, 1, 2, 3, 4, 0x0C, 0x15, 0xFF):
    for f in frames:
        put(bytes([sel]) + f + b"\r")
        put(bytes([sel]) + f + b"\r\n" + f + b"\r")
    put(bytes([sel]) + b"\r".join(frames) + b"\r")
for line in open("Tests/SIP2Tests/Fixtures/sip2-checksums.tsv"):
    if line.startswith("#") or line.startswith("label"): continue
    c = line.rstrip("\n").split("\t")
    put(b"\x00" + unescape(c[5]) + c[1].encode() + b"\r")
for f in pathlib.Path("Tests/SIP2Tests/Fixtures/fuzz-regressions").glob("*.hex"):
    put(bytes.fromhex(f.read_text().strip()))
PY

"$out/fuzz-sip2" "$out/sip2-corpus" -max_total_time="$seconds" -max_len=4096 \
    -artifact_prefix="$out/sip2-crashes/" -print_final_stats=1
