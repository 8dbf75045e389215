import Foundation
import ISO28560
import KioskCore
import SIP2
import StationCore
import Testing

/// The receipts the fixtures hold (reviewed with scripts/escpos-dump.py).
enum SampleReceipts {
    static let checkout = Receipt(
        mode: .checkout, patronName: "李华",
        outcomes: [
            ItemOutcome(item: "31110000001", title: "活着", result: .checkedOut(due: "2025-06-29")),
            ItemOutcome(item: "31110000002", title: "Fortress Besieged", result: .renewed(due: "2025-07-01")),
            ItemOutcome(
                item: "31110000003", title: "三体Ⅲ：死神永生（刘慈欣科幻小说系列典藏版，附赠作者访谈与插图别册）",
                result: .refused(.incompleteSet(missing: [2], of: 3))),
            ItemOutcome(item: "31110000004", title: nil, result: .checkedOutOffline(due: "2025-06-15")),
            ItemOutcome(
                item: "31110000005", title: "Café Society: a naïve guide to Zürich’s coffee houses and their regulars",
                result: .cancelled("its tag could not be set, so the loan was cancelled")),
        ],
        issuedAt: "2025-06-01 10:15", offline: true)

    static let checkin = Receipt(
        mode: .checkin, patronName: nil,
        outcomes: [
            ItemOutcome(item: "A1", title: "Held book", result: .returned(instruction: ReturnRouting(kind: .holdShelf))),
            ItemOutcome(
                item: "A2", title: "Transfer", result: .returned(instruction: ReturnRouting(kind: .otherBranch, destination: "Haidian"))),
            ItemOutcome(item: "A3", title: "Sorted", result: .returned(instruction: ReturnRouting(kind: .sortBin, sortBin: "B3"))),
            ItemOutcome(item: "A5", title: "Plain", result: .returned(instruction: nil)),
            ItemOutcome(item: "A6", title: "Offline", result: .returnedOffline),
            ItemOutcome(item: "A7", title: "Not lent", result: .returnedNotOnLoan("Item not checked out")),
        ],
        issuedAt: "2025-06-01 10:20", offline: false)
}

/// A tokenizer for what the encoder may emit: its known commands, LF, and text. Anything else
/// (a control byte outside a command) is reported as `.stray`.
enum EscPosToken: Equatable, CustomStringConvertible {
    case command(String)
    case text([UInt8])
    case stray(UInt8)

    var description: String {
        switch self {
        case .command(let c): c
        case .text(let t): "text(\(t.count))"
        case .stray(let b): "STRAY 0x" + String(b, radix: 16)
        }
    }

    static func scan(_ b: [UInt8]) -> [EscPosToken] {
        var out: [EscPosToken] = []
        var i = 0
        var text: [UInt8] = []
        func flush() { if !text.isEmpty { out.append(.text(text)); text = [] } }
        func arg(_ k: Int) -> UInt8? { i + k < b.count ? b[i + k] : nil }
        while i < b.count {
            let c = b[i]
            var cmd: (String, Int)?
            switch (c, arg(1)) {
            case (0x1B, 0x40): cmd = ("ESC @", 2)
            case (0x1C, 0x26): cmd = ("FS &", 2)
            case (0x1C, 0x2E): cmd = ("FS .", 2)
            case (0x1B, 0x74): cmd = ("ESC t \(arg(2) ?? 255)", 3)
            case (0x1B, 0x61): cmd = ("ESC a \(arg(2) ?? 255)", 3)
            case (0x1B, 0x45): cmd = ("ESC E \(arg(2) ?? 255)", 3)
            case (0x1B, 0x64): cmd = ("ESC d \(arg(2) ?? 255)", 3)
            case (0x1D, 0x21): cmd = ("GS ! \(arg(2) ?? 255)", 3)
            case (0x1D, 0x56) where arg(2) == 0x42: cmd = ("GS V 66 \(arg(3) ?? 255)", 4)
            case (0x0A, _): cmd = ("LF", 1)
            default: break
            }
            if let (name, n) = cmd {
                flush()
                out.append(.command(name))
                i += n
            } else if c < 0x20 || c == 0x7F {
                flush()
                out.append(.stray(c))
                i += 1
            } else {
                text.append(c)
                i += 1
            }
        }
        flush()
        return out
    }

    /// The text lines between LFs (commands other than LF skipped).
    static func lines(_ b: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var cur: [UInt8] = []
        for t in scan(b) {
            switch t {
            case .text(let x): cur += x
            case .command("LF"): lines.append(cur); cur = []
            default: break
            }
        }
        return lines
    }
}

@Suite struct EscPosReceiptTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "fixture \(name) missing")
        return Array(try Data(contentsOf: url))
    }

    /// Compares with the reviewed fixture; on a difference writes the new bytes to
    /// /tmp/escpos-actual/ for review (`python3 scripts/escpos-dump.py FILE`).
    func expectFixture(_ bytes: [UInt8], _ name: String) throws {
        let want = try? Self.fixture(name)
        if want != bytes {
            let dir = URL(fileURLWithPath: "/tmp/escpos-actual")
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try? Data(bytes).write(to: dir.appendingPathComponent(name))
            let firstDifference = want.flatMap { w in zip(w, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset }
            let at = firstDifference ?? min(want?.count ?? 0, bytes.count)
            Issue.record("\(name) differs from the reviewed fixture at byte \(at); the new bytes are in /tmp/escpos-actual/\(name)")
        }
    }

    @Test func aChineseCheckoutMatchesItsReviewedFixture() throws {
        try expectFixture(EscPosReceipt.encode(SampleReceipts.checkout, language: .zh), "receipt-checkout-zh.escpos")
    }

    @Test func anEnglishCheckoutMatchesItsReviewedFixture() throws {
        try expectFixture(EscPosReceipt.encode(SampleReceipts.checkout, language: .en), "receipt-checkout-en.escpos")
    }

    @Test func anEnglishReturnMatchesItsReviewedFixture() throws {
        try expectFixture(EscPosReceipt.encode(SampleReceipts.checkin, language: .en), "receipt-return-en.escpos")
    }

    @Test func theCommandFrameIsInitChineseModeTitleAndCut() {
        let zh = EscPosToken.scan(EscPosReceipt.encode(SampleReceipts.checkout, language: .zh)).filter {
            if case .command(let c) = $0 { return c != "LF" } else { return false }
        }
        #expect(
            zh.map(\.description) == [
                "ESC @", "FS &", "ESC a 1", "ESC E 1", "GS ! 1", "GS ! 0", "ESC E 0", "ESC a 0", "FS .", "ESC d 4", "GS V 66 0",
            ])
        let en = EscPosToken.scan(EscPosReceipt.encode(SampleReceipts.checkin, language: .en)).filter {
            if case .command(let c) = $0 { return c != "LF" } else { return false }
        }
        #expect(
            en.map(\.description) == [
                "ESC @", "FS .", "ESC t 0", "ESC a 1", "ESC E 1", "GS ! 1", "GS ! 0", "ESC E 0", "ESC a 0", "ESC d 4", "GS V 66 0",
            ])
    }

    static let hostileStrings = [
        "\u{1B}@\u{1B}d\u{FF}\u{1D}V\u{41}\u{00}cut me",  // ESC @, ESC d 255, GS V A 0
        "\u{1C}&\u{1C}.\u{10}\u{04}\u{01}\u{10}\u{14}\u{01}\u{00}\u{01}",  // FS &/., DLE EOT, DLE DC4 (pulse the drawer)
        "line\r\nbreak\u{0B}\u{0C}\u{7F}\u{85}\u{9B}31m",  // CR LF VT FF DEL NEL CSI
        "\u{202E}kcab sdrawkcab\u{202C} \u{2066}\u{2069}\u{200F}\u{2028}\u{2029}\u{FEFF}",  // bidi overrides, separators, BOM
        "\u{1D}!\u{77}HUGE\u{1B}E\u{01}",  // GS ! 0x77, ESC E 1
    ]

    static func hostileReceipt(_ s: String) -> Receipt {
        Receipt(
            mode: .checkout, patronName: s,
            outcomes: [
                ItemOutcome(item: s, title: s, result: .checkedOut(due: s)),
                ItemOutcome(item: "ok" + s, title: nil, result: .refused(.ils(s))),
                ItemOutcome(item: "x", title: "书" + s, result: .cancelled(s)),
            ],
            issuedAt: s, offline: true)
    }

    @Test(arguments: hostileStrings, Receipt.Language.allCases)
    func noControlByteFromStrangersReachesThePrinter(hostile: String, language: Receipt.Language) {
        let bytes = EscPosReceipt.encode(Self.hostileReceipt(hostile), language: language)
        let tokens = EscPosToken.scan(bytes)
        #expect(
            !tokens.contains { if case .stray = $0 { true } else { false } },
            "\(tokens.filter { if case .stray = $0 { true } else { false } })")
        // The same commands as for harmless text of the same shape: nothing was added.
        let benign = EscPosToken.scan(EscPosReceipt.encode(Self.hostileReceipt("plain"), language: language))
        func frame(_ t: [EscPosToken]) -> [String] {
            t.compactMap { if case .command(let c) = $0, c != "LF" { c } else { nil } }
        }
        #expect(frame(tokens) == frame(benign))
        // The bytes a hostile string would need never appear as data.
        for line in EscPosToken.lines(bytes) {
            #expect(!line.contains { $0 < 0x20 || $0 == 0x7F })
        }
        // What a bidi override was is printed as visible text.
        if hostile.unicodeScalars.contains("\u{202E}") {
            let text = EscPosToken.lines(bytes).map { SIP2Charset.gb18030.decode($0) }.joined(separator: "\n")
            #expect(text.contains("\\u{202e}"))
        }
        if hostile.hasPrefix("\u{1B}") {
            let text = EscPosToken.lines(bytes).map { SIP2Charset.ascii.decode($0) }.joined(separator: "\n")
            #expect(text.contains("\\x1b@\\x1bd"))
        }
    }

    @Test func longCJKTitlesWrapAtFortyEightColumnsCountingHanziAsTwo() {
        let title = String(repeating: "图书馆自助借还", count: 12) + "abc"  // 84 hanzi + 3 = 171 columns
        let r = Receipt(
            mode: .checkout, patronName: nil, outcomes: [ItemOutcome(item: "1", title: title, result: .checkedOut(due: "2025-01-01"))],
            issuedAt: "2025-01-01 09:00", offline: false)
        let lines = EscPosToken.lines(EscPosReceipt.encode(r, language: .zh))
        #expect(lines.allSatisfy { $0.count <= 48 })
        // Line 0 heading, 1 date, 2 rule, then the title: three lines (the cap), the last cut short.
        let titleLines = Array(lines[3..<6])
        #expect(titleLines[0].count == 48 && titleLines[1].count == 48)
        let decoded = titleLines.map { SIP2Charset.gb18030.decode($0) }
        #expect(decoded.allSatisfy { !$0.contains("\u{FFFD}") }, "a hanzi split over two lines")
        #expect(decoded[0] == String(title.prefix(24)) && decoded[1] == String(title.dropFirst(24).prefix(24)))
        #expect(decoded[2].hasSuffix("...") && titleLines[2].count <= 48)
        #expect(SIP2Charset.gb18030.decode(lines[6]) == "  条码：1")
    }

    @Test func aHanziNeverStraddlesTheEdgeAndWordsBreakAtSpaces() {
        let mixed = String(repeating: "a", count: 47) + "中文"
        var wrapped = EscPosReceipt.encode(
            Receipt(
                mode: .checkout, patronName: nil, outcomes: [ItemOutcome(item: "1", title: mixed, result: .returnedOffline)],
                issuedAt: "", offline: false), language: .zh)
        var lines = EscPosToken.lines(wrapped).map { SIP2Charset.gb18030.decode($0) }
        #expect(lines[3] == String(repeating: "a", count: 47) && lines[4] == "中文")
        let words = "The quick brown fox jumps over the lazy dog and keeps running far away"
        wrapped = EscPosReceipt.encode(
            Receipt(
                mode: .checkout, patronName: nil, outcomes: [ItemOutcome(item: "1", title: words, result: .returnedOffline)],
                issuedAt: "", offline: false), language: .en)
        lines = EscPosToken.lines(wrapped).map { SIP2Charset.ascii.decode($0) }
        #expect(lines[3] == "The quick brown fox jumps over the lazy dog and")
        #expect(lines[4] == "keeps running far away")
        // Narrower paper (58 mm, 32 columns) wraps the same way.
        let narrow = EscPosToken.lines(EscPosReceipt.encode(SampleReceipts.checkout, language: .zh, columns: 32))
        #expect(narrow.allSatisfy { $0.count <= 32 })
    }

    @Test func englishPrintsPC437AndQuestionMarksForTheRest() {
        let r = Receipt(
            mode: .checkin, patronName: "Zoë 李", outcomes: [ItemOutcome(item: "1", title: "Ñandú 🐦 Straße", result: .returnedOffline)],
            issuedAt: "", offline: false)
        let lines = EscPosToken.lines(EscPosReceipt.encode(r, language: .en))
        #expect(lines[2] == Array("Patron: Zo".utf8) + [0x89, 0x20, 0x3F])  // ë is 0x89 in PC437
        #expect(lines[4] == [0xA5] + Array("and".utf8) + [0xA3, 0x20, 0x3F, 0x20] + Array("Stra".utf8) + [0xE1, 0x65])
    }
}
