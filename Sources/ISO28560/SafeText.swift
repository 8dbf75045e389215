/// Tag memory is written by strangers: anyone with a phone can put escape sequences, line
/// breaks or right-to-left overrides into an item id, an owner code or (through an import) a
/// title. Every edge that shows, logs, exports or passes such text on runs it through here
/// first, so nothing written on a tag can move a terminal's cursor, forge a log line, reorder
/// what a technician reads or run a formula in a spreadsheet.
public enum SafeText {
    /// One line of plain text: C0 controls, DEL and C1 controls become `\xNN`; bidirectional
    /// embeddings, overrides and isolates, line and paragraph separators, and the byte-order mark
    /// become `\u{NNNN}`. Everything else (Chinese, accents, emoji) passes as it is.
    public static func display(_ s: some StringProtocol) -> String {
        if !s.unicodeScalars.contains(where: needsEscape) { return String(s) }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            if needsEscape(scalar) {
                let v = scalar.value
                out += v < 0x100 ? "\\x" + hex(v, width: 2) : "\\u{" + hex(v, width: 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A CSV field: `display`-safe (so tabs and line breaks are escaped too), always quoted
    /// (quotes doubled), and a leading `=`, `+`, `-` or `@` gets a `'` in front so a spreadsheet
    /// shows it as text instead of evaluating it (OWASP's CSV injection advice).
    public static func csvField(_ s: some StringProtocol) -> String {
        var text = display(s)
        if let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) { text = "'" + text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Whether a scalar must not reach a terminal, the journal or a command's environment raw.
    public static func needsEscape(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x00...0x1F, 0x7F...0x9F: return true  // C0, DEL, C1 (ESC, CSI, NEL, ...)
        case 0x200E, 0x200F, 0x061C: return true  // LRM, RLM, ALM
        case 0x202A...0x202E, 0x2066...0x2069: return true  // embeddings, overrides, isolates
        case 0x2028, 0x2029, 0xFEFF: return true  // line / paragraph separators, BOM
        default: return false
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension String {
    /// `replacingOccurrences` without Foundation (ISO28560 has no Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}
