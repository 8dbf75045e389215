import Circulation
import Foundation
import Testing

@Suite("Circulation store (real SQLite files)")
struct StoreTests {
    @Test func itemsHotListAndIndexAgree() throws {
        let dir = TempDir(); defer { dir.remove() }
        let store = try CirculationStore(path: dir.file("nested/dir/cache.sqlite"))
        try store.upsert(
            [
                ItemUpdate(pii: "A1", loanState: .onLoan, dueDate: "2030-01-31", title: "Moby Dick", ownerISIL: "DK-718500"),
                ItemUpdate(pii: "A2", loanState: .available, title: "Emma"),
            ], source: .import, at: 1_000, journal: false)
        try store.addHot("A2", reason: "stolen", at: 2_000, journal: false)
        try store.addHot("GHOST", reason: "missing", at: 2_000, journal: false)  // hot, not in items

        let a1 = try #require(try store.item("A1"))
        #expect(a1.loanState == .onLoan && a1.title == "Moby Dick" && a1.dueDate == "2030-01-31" && a1.hot == nil)
        #expect(try store.item("A2")?.hot?.reason == "stolen")
        #expect(try store.item("GHOST")?.hot?.reason == "missing")
        #expect(try store.item("NOPE") == nil)

        let index = GateIndex()
        let load = try store.loadIndex(into: index)
        #expect(load.entries == 3)
        #expect(index.lookup(CirculationKey.of("A1")) == CacheEntry(loan: .onLoan, hot: false))
        #expect(index.lookup(CirculationKey.of("A2")) == CacheEntry(loan: .inLibrary, hot: true))
        #expect(index.lookup(CirculationKey.of("GHOST")) == CacheEntry(loan: .unknown, hot: true))
        #expect(index.lookup(CirculationKey.of("NOPE")) == .none)

        // A loan returns; the hot item is found; items deleted.
        try store.upsert([ItemUpdate(pii: "A1", loanState: .available)], source: .station, at: 3_000, journal: false)
        #expect(try store.item("A1")?.title == "Moby Dick")  // a state change keeps the title
        try store.removeHot("A2", at: 3_000, journal: false)
        try store.delete("A1", at: 3_000, journal: false)
        try store.removeHot("GHOST", at: 3_000, journal: false)
        try store.loadIndex(into: index)
        #expect(index.lookup(CirculationKey.of("A1")) == .none)
        #expect(index.lookup(CirculationKey.of("A2")) == CacheEntry(loan: .inLibrary, hot: false))
        #expect(index.lookup(CirculationKey.of("GHOST")) == .none)
        #expect(try store.consistencyProblems() == [])
    }

    @Test func journalledChangesReachARunningIndex() throws {
        let dir = TempDir(); defer { dir.remove() }
        let store = try CirculationStore(path: dir.file("c.sqlite"))
        let index = GateIndex()
        let load = try store.loadIndex(into: index)
        // Another process (rfidgatectl) writes with journal: true.
        let other = try CirculationStore(path: dir.file("c.sqlite"), durability: .normal)
        try other.upsert([ItemUpdate(pii: "X", loanState: .onLoan)], source: .manual, at: 1, journal: true)
        try other.addHot("Y", reason: "stolen", at: 1, journal: true)
        let (changes, last, generation) = try store.changes(after: load.changeSeq)
        #expect(changes.count == 2)
        #expect(last > load.changeSeq && generation == load.generation)
        for c in changes { index.set(c.key, c.entry) }
        #expect(index.lookup(CirculationKey.of("X")).loan == .onLoan)
        #expect(index.lookup(CirculationKey.of("Y")).hot)
    }

    @Test func eventLogKeepsAlarmsWithTitlesAndVisitorQuarters() throws {
        let dir = TempDir(); defer { dir.remove() }
        let store = try CirculationStore(path: dir.file("c.sqlite"))
        try store.upsert([ItemUpdate(pii: "B7", loanState: .available, title: "Der Zauberberg")], source: .import, at: 0, journal: false)
        let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
        try store.record(
            alarms: [
                AlarmRecord(
                    at: t0 + 5_000, item: "B7", tagUID: "E004015000000007", reader: "gate-1", antenna: 2, afi: 7, reason: "secured"),
                AlarmRecord(
                    at: t0 + 6_000, item: nil, tagUID: "E0040150DEADBEEF", reader: "gate-1", antenna: 1, afi: 7, reason: "undecodable"),
            ],
            visitors: [VisitorBucket(start: CirculationStore.visitorBucket(unixMillis: t0 + 1), inCount: 3, outCount: 2)])
        try store.record(
            alarms: [],
            visitors: [
                VisitorBucket(start: CirculationStore.visitorBucket(unixMillis: t0 + 899_999), inCount: 1, outCount: 0),
                VisitorBucket(start: CirculationStore.visitorBucket(unixMillis: t0 + 900_000), inCount: 0, outCount: 4),
            ])
        let alarms = try store.alarms(since: t0)
        #expect(alarms.map(\.title) == ["Der Zauberberg", nil])
        #expect(alarms.first?.antenna == 2)
        let v = try store.visitors(since: t0)
        #expect(
            v == [VisitorBucket(start: t0 / 1000, inCount: 4, outCount: 2), VisitorBucket(start: t0 / 1000 + 900, inCount: 0, outCount: 4)])
        #expect(try store.alarms(since: t0 + 5_500).count == 1)
    }

    @Test func loanStateNamesAndCodes() {
        #expect(LoanState(parsing: "on-loan") == .onLoan)
        #expect(LoanState(parsing: "On Loan") == .onLoan)
        #expect(LoanState(parsing: "charged") == .onLoan)
        #expect(LoanState(parsing: "04") == .onLoan)
        #expect(LoanState(parsing: "3") == .available)
        #expect(LoanState(parsing: "missing") == .missing)
        #expect(LoanState(parsing: "on_hold_shelf") == .onHoldShelf)
        #expect(LoanState(parsing: "borrowed-by-martians") == nil)
        #expect(LoanState.recalled.gateLoan == .onLoan)
        #expect(LoanState.inTransit.gateLoan == .inLibrary)
        #expect(LoanState.lost.gateLoan == .inLibrary)
    }

    @Test func missingStoreIsAnErrorThatSaysWhatToDo() {
        #expect(throws: CirculationError.self) { try CirculationStore.openExisting(path: "/nonexistent/rfidgate.sqlite") }
        do {
            _ = try CirculationStore(path: "/proc/forbidden/x.sqlite")
            Issue.record("opened a store under /proc")
        } catch {
            #expect(error.message.contains("[cache] path"))
        }
    }
}
