#!/usr/bin/env python3
"""Writes the umockdev replay scripts and synthetic usbmon captures under
Tests/ReadersTests/Fixtures/usb/ (committed; rerun after changing a scenario):

  python3 scripts/make-usb-fixtures.py

Each scenario is the exact URB sequence USBBulkTransport produces: one 64-byte IN kept
pending from open on, each request one OUT, the IN resubmitted after every completion.
Frames are FEIG advanced-protocol frames (CRC: reflected CCITT 0x8408, preset FFFF, LE)."""
import pathlib, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
out = here.parent / "Tests/ReadersTests/Fixtures/usb"

def crc(b):
    c = 0xFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0x8408 if c & 1 else c >> 1
    return c

def frame(control, payload):
    body = bytes([0x02, 0, 0, 0xFF, control]) + bytes(payload)
    n = len(body) + 2
    body = body[:1] + bytes([n >> 8, n & 0xFF]) + body[3:]
    c = crc(body)
    return body + bytes([c & 0xFF, c >> 8])

UID = bytes.fromhex("E004010012345678")
MEM = bytes(range(0x31, 0x31 + 16))  # 4 blocks of 4 bytes
inventory = frame(0xB0, [0x01, 0x00])
inv_answer = frame(0xB0, [0x00, 0x01, 0x03, 0x06] + list(UID))
sysinfo = frame(0xB0, [0x2B, 0x01] + list(UID))
# STATUS DSFID UID AFI MEM-SIZE(block size-1, block count-1) IC-REF
sysinfo_answer = frame(0xB0, [0x00, 0x06] + list(UID) + [0x07, 0x03, 0x03, 0x01])
rmb = frame(0xB0, [0x23, 0x01] + list(UID) + [0x00, 0x04])
rmb_answer = frame(0xB0, [0x00, 0x04, 0x04] + sum(([0x00] + list(MEM[i*4:i*4+4]) for i in range(4)), []))

def exchange(lines, n, request, answer):
    """Appends OUT+IN; returns the id of the next pending IN submit."""
    lines.append(f"S 02 {len(request)} {request.hex().upper()}")
    lines.append(f"C 02 {len(lines)}")
    lines.append(f"C 81 {n} {answer.hex().upper()}")
    lines.append("S 81 64")
    return len(lines)

scenarios = {}

# full cycle: inventory, system information, read 4 blocks
l = ["S 81 64"]; n = 1
n = exchange(l, n, inventory, inv_answer)
n = exchange(l, n, sysinfo, sysinfo_answer)
n = exchange(l, n, rmb, rmb_answer)
scenarios["feig-cycle"] = l

# an answer split over two IN packets (as a long answer arrives), then nothing more
l = ["S 81 64"]; n = 1
l.append(f"S 02 {len(inventory)} {inventory.hex().upper()}"); l.append(f"C 02 {len(l)}")
l.append(f"C 81 {n} {inv_answer[:7].hex().upper()}"); l.append("S 81 64"); n = len(l)
l.append(f"C 81 {n} {inv_answer[7:].hex().upper()}"); l.append("S 81 64")
scenarios["feig-split"] = l

# the request is taken but the reader never answers: a driver timeout
l = ["S 81 64", f"S 02 {len(inventory)} {inventory.hex().upper()}", "C 02 2"]
scenarios["feig-noanswer"] = l

# unplugged while the IN transfer is pending: ENODEV completion (-19)
l = ["S 81 64", f"S 02 {len(inventory)} {inventory.hex().upper()}", "C 02 2", "C 81 1 status=-19"]
scenarios["feig-unplug"] = l

# unplug and replug: a full cycle, the next request's IN completes with ENODEV (unplugged),
# then the device is opened again (a new IN pending) and answers a full cycle
l = ["S 81 64"]; n = 1
n = exchange(l, n, inventory, inv_answer)
n = exchange(l, n, sysinfo, sysinfo_answer)
n = exchange(l, n, rmb, rmb_answer)
l.append(f"S 02 {len(inventory)} {inventory.hex().upper()}"); l.append(f"C 02 {len(l)}")
l.append(f"C 81 {n} status=-19")
l.append("S 81 64"); n = len(l)
n = exchange(l, n, inventory, inv_answer)
n = exchange(l, n, sysinfo, sysinfo_answer)
n = exchange(l, n, rmb, rmb_answer)
scenarios["feig-replug"] = l

# relay: relay 1 on, read state (serial ABCDE, relay 1 on)
scenarios["relay-on-state"] = [
    "S ctrl 2109000300000800 FF01000000000000", "C ctrl 1",
    "S ctrl A101000300000800", "C ctrl 3 4142434445000001",
]

# receipt printer (bus 1 dev 9, bulk OUT 0x01): the reviewed ESC/POS fixture of
# KioskCoreTests in chunks of PRINTER_CHUNK bytes (USBReceiptPrinter.Options.chunkBytes in the
# test), then the 2-byte ESC @ the test sends last: replay is strictly in order and compares
# every OUT byte, so that marker completes only after every chunk matched.
PRINTER_CHUNK = 256
receipt = (here.parent / "Tests/KioskCoreTests/Fixtures/receipt-checkout-zh.escpos").read_bytes()
def chunks(data):
    return [data[i:i + PRINTER_CHUNK] for i in range(0, len(data), PRINTER_CHUNK)]
l = []
for c in chunks(receipt) + [bytes([0x1B, 0x40])]:
    l.append(f"S 01 {len(c)} {c.hex().upper()}"); l.append(f"C 01 {len(l)}")
scenarios["printer-receipt"] = l
# out of paper: the first chunk is taken, the second never completes (a timeout)
first, second = chunks(receipt)[:2]
scenarios["printer-stalled"] = [f"S 01 {len(first)} {first.hex().upper()}", "C 01 1", f"S 01 {len(second)} {second.hex().upper()}"]
# unplugged during the second chunk
scenarios["printer-unplug"] = [
    f"S 01 {len(first)} {first.hex().upper()}", "C 01 1", f"S 01 {len(second)} {second.hex().upper()}", "C 01 3 status=-19"]

for name, lines in scenarios.items():
    script = out / f"{name}.pcapscript"
    header = f"# generated by scripts/make-usb-fixtures.py: scenario {name}\n"
    script.write_text(header + "\n".join(lines) + "\n")
    dev = 7 if name.startswith("relay") else 9 if name.startswith("printer") else 5
    subprocess.run([sys.executable, str(here / "mkusbpcap.py"), "1", str(dev), str(script), str(out / f"{name}.pcap")], check=True)
    print("wrote", script.name, f"{name}.pcap")
