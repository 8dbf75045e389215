import Foundation
import Testing

@_spi(Testing) @testable import Circulation

/// Callers act on `CirculationError.kind` (retry, hold in memory, stop), not on the wording.
@Suite("Circulation error kinds")
struct ErrorKindTests {
    @Test func aMissingStoreIsNotFound() {
        do {
            _ = try CirculationStore.openExisting(path: "/nonexistent/rfidgate.sqlite")
            Issue.record("opened a missing store")
        } catch {
            #expect(error.kind == .notFound)
        }
    }

    @Test func aFullDiskIsDiskFullAndReadsStillWork() throws {
        let dir = TempDir(); defer { dir.remove() }
        let store = try CirculationStore(path: dir.file("cache.sqlite"))
        try store.upsert([ItemUpdate(pii: "K1", loanState: .onLoan)], source: .manual, at: 1, journal: false)
        try store.capSize(extraPages: 2)
        var full: CirculationError?
        for i in 0..<10_000 where full == nil {
            let batch = (0..<20).map { _ in
                AlarmRecord(at: Int64(i), item: nil, tagUID: "0", reader: "r", antenna: 1, afi: 0, reason: "filler")
            }
            do throws(CirculationError) { try store.record(alarms: batch) } catch { full = error }
        }
        #expect(full?.kind == .diskFull, "\(String(describing: full))")
        #expect(full?.message.contains("disk is full") == true)
        #expect(try store.item("K1")?.loanState == .onLoan)
        try store.capSize(extraPages: nil)
    }

    @Test func aFileThatIsNotAStoreIsCorrupt() throws {
        let dir = TempDir(); defer { dir.remove() }
        let path = dir.file("cache.sqlite")
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try CirculationStore(path: path)
            Issue.record("opened a file that is not a database")
        } catch {
            #expect(error.kind == .corrupt, "\(error)")
        }
    }

    @Test func badImportRowsAreInvalid() {
        guard case .failure(let e) = CSVImport.parseRow(["", "on-loan"], map: [0: .id, 1: .state], needed: 2) else {
            Issue.record("accepted an empty id"); return
        }
        #expect(e.kind == .invalid && e.message == "empty item id")
    }
}
