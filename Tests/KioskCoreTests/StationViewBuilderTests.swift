import ISO28560
import KioskCore
import StationCore
import Testing

@Suite struct StationViewBuilderTests {
    static func tag(_ uid: UInt64, _ pii: String, set: String? = nil, usage: UInt8 = 0x10, title: String? = nil) -> PadObservation {
        PadObservation(
            id: .hf(uid), reader: "pad-1", afi: 0x07,
            record: ItemRecord(primaryItemIdentifier: pii, setInformation: set, typeOfUsage: usage, title: title), atNanos: uid)
    }

    /// What the pad tracker makes of the observations (in the order they were seen).
    static func contents(_ seen: [PadObservation]) -> PadContents {
        var t = PadTracker()
        for o in seen { _ = t.observe(o) }
        return t.contents
    }

    static let pad = contents([
        tag(1, "I0001", title: "三体"), tag(2, "BSET", set: "0301"), tag(3, "BSET", set: "0302"), tag(4, "REF1", usage: 0x20),
    ])

    @Test func idleShowsThePadAndNoPatron() {
        let v = StationViewBuilder.build(.init(state: .idle, pad: Self.pad, language: .zh))
        #expect(v.state == "idle" && v.patron == nil && v.idle == nil && v.receipt == nil)
        #expect(v.pad.items.map(\.item) == ["I0001", "BSET", "REF1"])
        let set = v.pad.items[1]
        #expect(set.partsTotal == 3 && set.partsPresent == 2 && !set.complete)
        #expect(v.pad.items[0].title == "三体" && v.pad.items[0].forLoan && !v.pad.items[2].forLoan)
    }

    @Test func hostileTextFromTheILSAndTagsIsMadeSafe() {
        let p = PatronSummary(id: "P1", name: "Eve\u{202E}gnp.exe\u{1B}[31m", messages: ["<script>alert(1)</script>\u{0}"])
        let pad = Self.contents([Self.tag(9, "X1", title: "Title\u{1B}]0;owned\u{7}")])
        let v = StationViewBuilder.build(.init(state: .ready(p), pad: pad, language: .en, remainingNanos: 50_000_000_000))
        let texts = [v.patron?.name ?? "", v.pad.items[0].title ?? ""] + (v.patron?.messages ?? [])
        for t in texts {
            #expect(!t.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x202A...0x202E).contains($0.value) }, "\(t)")
        }
        // Markup stays text (the page renders it with textContent); JSON escaping is the encoder's.
        #expect(v.patron?.messages.first?.contains("<script>") == true)
        #expect(v.idle?.secondsLeft == 50 && v.idle?.warning == false)
    }

    @Test func theCountdownWarnsInItsLast15Seconds() {
        let p = PatronSummary(id: "P1", name: "A")
        let v = StationViewBuilder.build(.init(state: .ready(p), pad: Self.contents([]), language: .zh, remainingNanos: 14_950_000_000))
        #expect(v.idle?.warning == true && v.idle?.secondsLeft == 14.9)
    }

    @Test func progressRowsAndTheReceiptInBothLanguages() {
        var board = ProgressBoard()
        board.start(Self.pad.items)
        let working = StationViewBuilder.build(.init(state: .working(.checkout), pad: Self.pad, progress: board, language: .en))
        #expect(working.progress.map(\.status) == ["working", "working", "working"])
        board.done(ItemOutcome(item: "I0001", title: "三体", result: .checkedOut(due: "2026-12-16")))
        board.done(ItemOutcome(item: "BSET", title: nil, result: .refused(.incompleteSet(missing: [3], of: 3))))
        board.done(ItemOutcome(item: "REF1", title: "Ref", result: .checkedOutOffline(due: "2026-12-30")))
        let r = Receipt(mode: .checkout, patronName: "王芳", outcomes: [], issuedAt: "2026-12-02 14:33", offline: true)
        var receipt = r
        receipt.outcomes = [
            ItemOutcome(item: "I0001", title: "三体", result: .checkedOut(due: "2026-12-16")),
            ItemOutcome(item: "BSET", title: nil, result: .refused(.incompleteSet(missing: [3], of: 3))),
            ItemOutcome(item: "REF1", title: "Ref", result: .checkedOutOffline(due: "2026-12-30")),
        ]
        let zh = StationViewBuilder.build(.init(state: .receipt(receipt), pad: Self.pad, progress: board, language: .zh))
        #expect(zh.state == "receipt" && zh.mode == "checkout")
        #expect(zh.progress.map(\.status) == ["done", "refused", "done"])
        #expect(zh.progress[0].due == "2026-12-16" && zh.progress[2].offline && zh.progress[2].result == "checked-out-offline")
        #expect(zh.progress[1].message?.code == "incomplete-set" && zh.progress[1].message?.text.contains("缺少第 3 件") == true)
        let rv = try! #require(zh.receipt)
        #expect(rv.done == 2 && rv.offline && rv.items.count == 3 && rv.language == .zh)
        #expect(rv.text.contains("本套共 3 件") && !rv.text.contains("is missing"), "\(rv.text)")
        #expect(rv.items[2].offline && rv.items[2].due == "2026-12-30")
        let en = StationViewBuilder.receipt(receipt, .en)
        #expect(en.text.contains("part 3 of 3 is missing") && en.text.contains("Checkout receipt"))
    }

    @Test func returnsCarryTheirRoutingInstruction() {
        var board = ProgressBoard()
        board.done(
            ItemOutcome(item: "I9", title: "T", result: .returned(instruction: ReturnRouting(kind: .holdShelf, destination: "Main"))))
        let v = StationViewBuilder.build(.init(state: .working(.checkin), pad: Self.contents([]), progress: board, language: .zh))
        #expect(v.progress.first?.routing?.kind == "hold-shelf")
        #expect(v.progress.first?.routing?.text.contains("预约架") == true)
    }
}
