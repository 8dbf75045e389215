import ArgumentParser
import Circulation
import ControlProtocol
import ISO28560
import SIP2Sync

/// `rfidgatectl sync report`: what staff must look at after the ILS came back: every outbox
/// entry the ILS refused or could not be asked about (dead letters), every replayed one with a
/// remark (an alert at checkin, a loan the patron already had, an offline loan withdrawn), and
/// the station journal's items that ended for staff or were cancelled.
struct SyncReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Exceptions for staff: refused or unanswered offline entries, remarks, station items for staff.")
    @OptionGroup var where_: StoreOptions
    @Option(help: "At most this many rows per kind.") var limit = 500
    @Flag(help: "End with one JSON object on the last line.") var json = false

    struct Row {
        var source, id, kind, item, when, what: String
        var patron: String?
    }

    func run() throws {
        let outbox = try SyncCommand.openOutbox(db: where_.db, config: where_.config)
        var rows: [Row] = []
        for d in try outbox.deadLetters(limit: limit) {
            rows.append(
                Row(
                    source: "outbox", id: "\(d.id)", kind: d.kind.rawValue, item: d.item, when: d.transactionDate.description,
                    what: "dead letter: " + (d.lastError ?? "no reason recorded"), patron: d.patron))
        }
        for d in try outbox.done(limit: 100_000) {
            guard let r = d.resolution, r != "checked out", r != "checked in" else { continue }
            rows.append(
                Row(
                    source: "outbox", id: "\(d.id)", kind: d.kind.rawValue, item: d.item, when: d.transactionDate.description,
                    what: r, patron: d.patron))
            if rows.count >= 2 * limit { break }
        }
        for j in try outbox.store.recentJournal(limit: 10 * limit) where j.phase == "unresolved" || j.phase == "cancelled" {
            rows.append(
                Row(
                    source: "station", id: "\(j.id)", kind: j.kind, item: j.item, when: SyncCommand.time(j.updatedUnix),
                    what: j.phase + ": " + (j.note ?? ""), patron: j.patron))
        }
        let pending = try outbox.status().backlog
        print("\(rows.count) exception(s) for staff; \(pending) entr\(pending == 1 ? "y" : "ies") still waiting for the ILS")
        for r in rows {
            print("\(r.source) \(r.id) \(r.kind) item \(r.item)\(r.patron.map { " patron \($0)" } ?? "") at \(r.when): \(r.what)")
        }
        if json {
            let list: [JSONValue] = rows.map { r in
                .object([
                    ("source", .string(r.source)), ("id", .string(r.id)), ("kind", .string(r.kind)), ("item", .string(r.item)),
                    ("patron", r.patron.map { .string($0) } ?? .null), ("at", .string(r.when)), ("what", .string(r.what)),
                ])
            }
            Swift.print(
                (try? JSONWire.encode(
                    JSONValue.object([
                        ("ok", .bool(true)), ("pending", .int(pending)), ("exceptions", .array(list)),
                    ]))) ?? "{}")
        }
    }
}
