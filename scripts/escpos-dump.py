#!/usr/bin/env python3
"""Prints an ESC/POS byte file as annotated commands and text lines, for reviewing the
receipt fixtures by eye (Tests/KioskCoreTests/Fixtures/*.escpos):

  python3 scripts/escpos-dump.py FILE...

Text is decoded independently of the Swift encoder: CPython's gb18030 codec while Chinese
mode is on (FS &), cp437 otherwise. Each text line shows its width in columns (its byte
count: hanzi print two columns wide). Exits 1 on a control byte outside a known command,
an undecodable byte or a line wider than --columns (48)."""
import sys

CMDS = {  # prefix -> (name, parameter bytes, meaning)
    b"\x1b\x40": ("ESC @", 0, "initialise printer"),
    b"\x1c\x26": ("FS &", 0, "Chinese (GB18030/GBK) mode on"),
    b"\x1c\x2e": ("FS .", 0, "Chinese mode off"),
    b"\x1b\x74": ("ESC t", 1, "code page (0 = PC437)"),
    b"\x1b\x61": ("ESC a", 1, "align (0 left, 1 centre)"),
    b"\x1b\x45": ("ESC E", 1, "bold (1 on, 0 off)"),
    b"\x1d\x21": ("GS !", 1, "size (0x01 double height, 0 normal)"),
    b"\x1b\x64": ("ESC d", 1, "feed n lines"),
    b"\x1d\x56\x42": ("GS V 66", 1, "feed to cutter + partial cut"),
}

def dump(path, columns):
    data = open(path, "rb").read()
    print(f"== {path}: {len(data)} bytes")
    i, chinese, bad, text = 0, False, 0, bytearray()
    def flush_line():
        nonlocal bad
        enc = "gb18030" if chinese else "cp437"
        try:
            s = text.decode(enc)
        except UnicodeDecodeError as e:
            s, bad = f"<undecodable: {e}>", bad + 1
        flag = "" if len(text) <= columns else "  <-- TOO WIDE"
        bad += 1 if flag else 0
        print(f"  [{len(text):2d} col] |{s}|{flag}")
        text.clear()
    while i < len(data):
        for pre, (name, n, what) in CMDS.items():
            if data.startswith(pre, i):
                if text:
                    print("  (text before a command without LF)"); flush_line()
                args = data[i + len(pre): i + len(pre) + n]
                print(f"  {name}{''.join(f' {a}' for a in args):6s}  ; {what}")
                if name == "FS &": chinese = True
                if name == "FS .": chinese = False
                i += len(pre) + n
                break
        else:
            b = data[i]
            if b == 0x0A:
                flush_line()
            elif b < 0x20 or b == 0x7F:
                print(f"  !! stray control byte 0x{b:02x} at {i}"); bad += 1
            else:
                text.append(b)
            i += 1
    if text: print("  (unterminated text)"); flush_line()
    return bad

if __name__ == "__main__":
    args = sys.argv[1:]
    cols = 48
    if args[:1] == ["--columns"]: cols = int(args[1]); args = args[2:]
    sys.exit(1 if sum(dump(p, cols) for p in args) else 0)
