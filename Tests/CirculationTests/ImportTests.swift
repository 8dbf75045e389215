import Circulation
import Foundation
import Testing

/// A CSV export of `n` items: every third on loan, with titles (some quoted with commas).
func writeExport(
    _ path: String, n: Int, start: Int = 0, header: String = "item_id,loan_state,due_date,title,owner_isil", extraBad: Bool = false
) throws {
    var s = header + "\r\n"
    for i in start..<(start + n) {
        let onLoan = i % 3 == 0
        s +=
            "3901\(String(i).leftPad(10)),\(onLoan ? "on-loan" : "available"),\(onLoan ? "2030-02-0\(1 + i % 9)" : ""),\"Title \(i), vol. \"\"\(i % 4)\"\"\",DK-718500\r\n"
    }
    if extraBad {
        s += ",available,,No id,\n"
        s += "39019999999999,stolen-by-aliens,,Bad state,\n"
        s += "39019999999998,on-loan,31/12/2030,Bad date,\n"
        s += "toolong-toolong-toolong-toolong-toolong,available,,,\n"
        s += "39019999999997\n"
    }
    try s.write(toFile: path, atomically: true, encoding: .utf8)
}

extension String {
    func leftPad(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

@Suite("CSV import")
struct ImportTests {
    @Test func importsRowsAndSummarisesRejects() throws {
        let dir = TempDir(); defer { dir.remove() }
        let csv = dir.file("export.csv")
        try writeExport(csv, n: 1000, extraBad: true)
        let store = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        var progressCalls = 0
        var options = CSVImport.Options()
        options.batchRows = 300
        let summary = try CSVImport(store: store, path: csv, options: options).run(progress: { _ in progressCalls += 1 })
        #expect(summary.accepted == 1000)
        #expect(summary.rejected == 5)
        #expect(progressCalls >= 4)
        #expect(
            Set(summary.reasons.map(\.reason)) == [
                "empty item id", "unknown loan state", "due date is not YYYY-MM-DD", "item id longer than 32 bytes", "too few fields",
            ])
        #expect(summary.reasons.first { $0.reason == "unknown loan state" }?.lines == [1003])
        #expect(try store.itemCount() == 1000)
        let item = try #require(try store.item("39010000000003"))
        #expect(
            item.loanState == .onLoan && item.dueDate == "2030-02-04" && item.title == "Title 3, vol. \"3\""
                && item.ownerISIL == "DK-718500")
        #expect(try store.consistencyProblems() == [])
        let index = GateIndex()
        #expect(try store.loadIndex(into: index).entries == 1000)
    }

    @Test func anInterruptedImportResumesWhereItStopped() throws {
        let dir = TempDir(); defer { dir.remove() }
        let csv = dir.file("export.csv")
        try writeExport(csv, n: 5000)
        let store = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        var options = CSVImport.Options()
        options.batchRows = 1000
        var batches = 0
        let first = try CSVImport(store: store, path: csv, options: options).run(shouldStop: {
            batches += 1; return batches == 2
        })
        #expect(first.interrupted)
        #expect(first.accepted == 2000)
        #expect(try store.itemCount() == 2000)
        let second = try CSVImport(store: store, path: csv, options: options).run()
        #expect(second.resumedAtLine == 2002)
        #expect(second.accepted == 5000 && !second.interrupted)
        #expect(try store.itemCount() == 5000)
        #expect(try store.consistencyProblems() == [])
    }

    @Test func replaceDeletesItemsTheExportNoLongerHas() throws {
        let dir = TempDir(); defer { dir.remove() }
        let store = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        let csv = dir.file("a.csv")
        try writeExport(csv, n: 100)
        _ = try CSVImport(store: store, path: csv).run(now: { 1_000 })
        try store.upsert([ItemUpdate(pii: "STATION-LOAN", loanState: .onLoan)], source: .station, at: 1_500, journal: false)
        try store.addHot("39010000000005", reason: "stolen", at: 1_500, journal: false)
        try writeExport(csv, n: 50, start: 50)  // items 0..<50 are gone from the library system
        var options = CSVImport.Options()
        options.replace = true
        let s = try CSVImport(store: store, path: csv, options: options).run(now: { 2_000 })
        #expect(s.deleted == 50)
        #expect(try store.itemCount() == 51)  // 50 from the file + the station's loan
        #expect(try store.item("39010000000049") == nil)
        #expect(try store.item("39010000000005")?.hot != nil)  // still on the hot list
        #expect(try store.consistencyProblems() == [])
        let index = GateIndex()
        try store.loadIndex(into: index)
        #expect(index.lookup(CirculationKey.of("39010000000005")) == CacheEntry(loan: .unknown, hot: true))
    }

    @Test func semicolonSeparatedWithOtherHeaderNames() throws {
        let dir = TempDir(); defer { dir.remove() }
        let csv = dir.file("export.csv")
        try "Barcode;Status;Branch\n123;charged;Main\n124;03;Main\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        let s = try CSVImport(store: store, path: csv).run()
        #expect(s.accepted == 2 && s.rejected == 0)
        #expect(s.ignoredColumns == ["Branch"])
        #expect(try store.item("123")?.loanState == .onLoan)
        #expect(try store.item("124")?.loanState == .available)
    }

    @Test func aFileWithoutAnIdColumnIsRefused() throws {
        let dir = TempDir(); defer { dir.remove() }
        let csv = dir.file("export.csv")
        try "title,status\nx,on-loan\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        #expect(throws: CirculationError.self) { try CSVImport(store: store, path: csv).run() }
    }
}
