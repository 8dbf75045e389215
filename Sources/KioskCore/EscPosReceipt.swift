import ISO28560
import SIP2
import StationCore

/// A `Receipt` as the bytes an 80 mm ESC/POS thermal printer prints (48 columns of font A on
/// 576 dots): pure, no I/O; `USBReceiptPrinter` (Readers) sends them.
///
/// Layout: `ESC @`; Chinese receipts switch the printer to Chinese mode (`FS &`, GB18030/GBK
/// two-byte characters, each two columns wide) and leave it again (`FS .`) before the cut;
/// English receipts leave Chinese mode and select PC437 (`ESC t 0`). Then the heading centred,
/// bold and double height; the date; the patron; per item its title (wrapped, at most three
/// lines), its barcode and its result with the due date; the summary; the offline note; a feed
/// and a partial cut (`GS V 66 0`).
///
/// The core's English sentences (refusals, cancellations) are translated through `KioskText`.
/// Titles, ids, names and ILS messages are written by strangers. They arrive here through
/// `Receipt.parts` (so through `SafeText`: controls and bidi overrides are already escaped
/// as visible text), and every character is encoded on its own by `TextCodec.unit`, which
/// yields only bytes from 0x20...0x7E or 0x80...0xFF and otherwise prints `?`: no ESC, GS, FS,
/// DLE, CR, LF or other control byte can come out of text. Command bytes are only ever
/// written by this encoder's own command helpers.
public enum EscPosReceipt {
    public static let defaultColumns = 48
    /// Longest a title may print (a 5 m title on a tag would otherwise print 5 m of paper).
    static let maxTitleLines = 3
    static let maxResultLines = 4

    public static func encode(_ r: Receipt, language: Receipt.Language, columns: Int = defaultColumns) -> [UInt8] {
        let lang: KioskLanguage = language == .zh ? .zh : .en
        let parts = r.parts(language) { KioskText.sentence($0, lang) }
        let codec = TextCodec(language: language)
        let width = max(columns, 16)
        var w = Writer(codec: codec, columns: width)
        w.command(Command.initialize)
        switch language {
        case .zh: w.command(Command.chineseModeOn)
        case .en:
            w.command(Command.chineseModeOff)
            w.command(Command.codePagePC437)
        }
        // Heading: centred, bold, double height (the width stays, so do the 48 columns).
        w.command(Command.alignCentre)
        w.command(Command.boldOn)
        w.command(Command.doubleHeight)
        w.paragraph(parts.heading, maxLines: 2)
        w.command(Command.normalSize)
        w.command(Command.boldOff)
        w.command(Command.alignLeft)

        w.paragraph(parts.issuedAt, maxLines: 1)
        if let patron = parts.patron { w.paragraph(patron, maxLines: 2) }
        w.rule()
        let barcode = language == .zh ? "条码：" : "Barcode: "
        for item in parts.items {
            w.paragraph(item.name, maxLines: maxTitleLines)
            w.paragraph(barcode + item.id, indent: 2, maxLines: 2)
            w.paragraph(item.result, indent: 2, maxLines: maxResultLines)
        }
        w.rule()
        w.paragraph(parts.summary, maxLines: 2)
        if let note = parts.offlineNote { w.paragraph(note, maxLines: 4) }
        if language == .zh { w.command(Command.chineseModeOff) }
        w.command(Command.feedLines(4))
        w.command(Command.partialCut)
        return w.bytes
    }

    /// The printer commands this encoder uses (Epson ESC/POS; the FS commands are the Chinese
    /// printers' kanji/hanzi mode, as on Xprinter, Rongta, Sewoo and Epson's Chinese models).
    enum Command {
        static let initialize: [UInt8] = [0x1B, 0x40]  // ESC @
        static let chineseModeOn: [UInt8] = [0x1C, 0x26]  // FS &
        static let chineseModeOff: [UInt8] = [0x1C, 0x2E]  // FS .
        static let codePagePC437: [UInt8] = [0x1B, 0x74, 0x00]  // ESC t 0
        static let alignLeft: [UInt8] = [0x1B, 0x61, 0x00]  // ESC a 0
        static let alignCentre: [UInt8] = [0x1B, 0x61, 0x01]  // ESC a 1
        static let boldOn: [UInt8] = [0x1B, 0x45, 0x01]  // ESC E 1
        static let boldOff: [UInt8] = [0x1B, 0x45, 0x00]  // ESC E 0
        static let doubleHeight: [UInt8] = [0x1D, 0x21, 0x01]  // GS ! 0x01: height x2, width x1
        static let normalSize: [UInt8] = [0x1D, 0x21, 0x00]  // GS ! 0
        static let lineFeed: [UInt8] = [0x0A]  // LF
        static func feedLines(_ n: UInt8) -> [UInt8] { [0x1B, 0x64, n] }  // ESC d n
        static let partialCut: [UInt8] = [0x1D, 0x56, 0x42, 0x00]  // GS V 66 0: feed to the cutter, partial cut
    }

    /// One character → the bytes that print it, and so its width in columns (1 or 2).
    struct TextCodec {
        let language: Receipt.Language
        static let question: [UInt8] = [0x3F]

        /// Never a control byte: ASCII 0x20...0x7E, PC437's upper half, or a GB18030 two-byte
        /// code (lead 0x81...0xFE, trail 0x40...0xFE without 0x7F: GBK). Four-byte GB18030 codes
        /// (emoji, rare scripts) print as `?`: GBK-only printers would print them as garbage.
        func unit(_ s: Unicode.Scalar) -> [UInt8] {
            let v = s.value
            if v < 0x80 { return (0x20...0x7E).contains(v) ? [UInt8(v)] : Self.question }
            switch language {
            case .en:
                if let b = PC437.reverse[v] { return [b] }
                return Self.asciiFallback(v) ?? Self.question
            case .zh:
                guard let code = SIP2Charset.gb18030.encode(String(s)), code.count == 2,
                    (0x81...0xFE).contains(code[0]), (0x40...0xFE).contains(code[1]), code[1] != 0x7F
                else { return Self.question }
                return code
            }
        }

        /// Typographic punctuation PC437 lacks, as the ASCII a typist would use.
        static func asciiFallback(_ v: UInt32) -> [UInt8]? {
            switch v {
            case 0x2018, 0x2019, 0x201A, 0x2032: [0x27]  // ‘ ’ ‚ ′
            case 0x201C, 0x201D, 0x201E, 0x2033: [0x22]  // “ ” „ ″
            case 0x2010...0x2015, 0x2212: [0x2D]  // hyphens, dashes, minus
            default: nil
            }
        }

        /// Whether bytes are printable text in this encoder's modes (the invariant `Writer` asserts).
        static func isText(_ bytes: [UInt8]) -> Bool {
            bytes.allSatisfy { ($0 >= 0x20 && $0 != 0x7F) }
        }
    }

    /// Collects command bytes and wrapped text lines.
    struct Writer {
        let codec: TextCodec
        let columns: Int
        var bytes: [UInt8] = []

        mutating func command(_ c: [UInt8]) { bytes += c }

        /// A full-width rule of '-'.
        mutating func rule() { line([UInt8](repeating: 0x2D, count: columns)) }

        /// `text` wrapped to the columns (continuation lines indented like the first), at most
        /// `maxLines` lines, the last one ending in "..." when cut short.
        mutating func paragraph(_ text: String, indent: Int = 0, maxLines: Int) {
            for l in EscPosReceipt.wrap(text.unicodeScalars.map(codec.unit), columns: columns, indent: indent, maxLines: maxLines) {
                line(l)
            }
        }

        private mutating func line(_ text: [UInt8]) {
            precondition(TextCodec.isText(text), "a control byte in receipt text")
            bytes += text
            bytes += Command.lineFeed
        }
    }

    /// Greedy wrap of encoded characters (width = byte count: 1 for ASCII and PC437, 2 for
    /// GBK hanzi in Chinese mode). Breaks after a space or a two-column character where it can,
    /// anywhere else when a word is longer than a line; spaces at a break are dropped.
    static func wrap(_ units: [[UInt8]], columns: Int, indent: Int, maxLines: Int) -> [[UInt8]] {
        let pad = [UInt8](repeating: 0x20, count: max(0, min(indent, columns / 2)))
        var lines: [[[UInt8]]] = []
        var current: [[UInt8]] = []
        var width = pad.count
        for u in units {
            if current.isEmpty && u == [0x20] { continue }  // no space at a line's start
            if u == [0x20] && width + 1 > columns {
                lines.append(current); current = []; width = pad.count
                continue
            }
            while width + u.count > columns && !current.isEmpty {
                // The last break opportunity: after a space or a wide character.
                var cut = current.count
                while cut > 0 && !(current[cut - 1] == [0x20] || current[cut - 1].count == 2) { cut -= 1 }
                if cut == 0 || cut == current.count { cut = current.count }
                var head = Array(current[..<cut])
                while head.last == [0x20] { head.removeLast() }
                let tail = current[cut...].drop { $0 == [0x20] }
                lines.append(head)
                current = Array(tail)
                width = pad.count + current.reduce(0) { $0 + $1.count }
            }
            current.append(u)
            width += u.count
        }
        while current.last == [0x20] { current.removeLast() }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        if lines.count > maxLines {
            lines.removeSubrange(maxLines...)
            var last = lines[maxLines - 1]
            let ellipsis: [[UInt8]] = [[0x2E], [0x2E], [0x2E]]
            var w = pad.count + last.reduce(0) { $0 + $1.count }
            while !last.isEmpty && w + 3 > columns {
                w -= last.removeLast().count
            }
            last += ellipsis
            lines[maxLines - 1] = last
        }
        return lines.map { pad + $0.flatMap { $0 } }
    }
}
