import ArgumentParser
import Circulation
import RFIDGateConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `rfidgatectl cache …`: the circulation cache the gate judges items by.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Import, show and change the circulation cache (items, loan states, hot list).",
        subcommands: [Import.self, Show.self, Set.self, Hot.self, Check.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV export of item ids and loan states from the library system.",
            discussion: """
                Columns by header name: item_id (or barcode, pii), loan_state (or status; names such as available, \
                on-loan, missing, or SIP2 codes 1-13), optional due_date (YYYY-MM-DD), title, owner_isil. \
                Separator , ; or tab. Rows are committed in batches: an interrupted import (Ctrl-C, crash, power cut) \
                resumes where it stopped when run again with the same file. A running rfidgated reloads its index when \
                the import has finished.
                """)

        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var store: StoreOptions
        @Flag(help: "The file is the whole collection: delete items earlier imports brought in that it no longer lists.")
        var replace = false
        @Flag(help: "Start over instead of resuming an interrupted import of this file.")
        var restart = false
        @Option(help: .hidden) var batchRows = 20_000

        func run() throws {
            let s = try store.open(durability: .normal, create: true)
            var options = CSVImport.Options()
            options.replace = replace
            options.restart = restart
            options.batchRows = max(1, batchRows)
            installInterruptHandler()
            let tty = isatty(2) != 0
            var lastPrint: Int64 = 0
            let started = unixMillisNow()
            let summary = try storeCall { () throws(CirculationError) in
                try CSVImport(store: s, path: file, options: options).run(
                    progress: { p in
                        let now = unixMillisNow()
                        guard tty, now - lastPrint >= 250 || p.bytes == p.totalBytes else { return }
                        lastPrint = now
                        let pct = p.totalBytes > 0 ? Int(p.bytes * 100 / p.totalBytes) : 100
                        let rate = Double(p.accepted + p.rejected) / max(Double(now - started) / 1000, 0.001)
                        printError(
                            "\r\u{1B}[Kimporting \(file): \(pct)%  \(p.accepted) rows  \(p.rejected) rejected  \(Int(rate)) rows/s",
                            newline: false)
                    },
                    shouldStop: { interrupted.load(ordering: .relaxed) })
            }
            if tty { printError("", newline: true) }
            if let line = summary.resumedAtLine { print("resumed an interrupted import at line \(line)") }
            if summary.abandonedOther { print("note: an unfinished import of another file was abandoned (its committed rows stay)") }
            print(
                "\(summary.interrupted ? "interrupted" : "imported"): \(summary.accepted) items, \(summary.rejected) rows rejected\(replace && !summary.interrupted ? ", \(summary.deleted) items no longer in the export deleted" : "")"
            )
            if !summary.ignoredColumns.isEmpty { print("ignored columns: \(summary.ignoredColumns.joined(separator: ", "))") }
            for r in summary.reasons {
                print(
                    "  \(r.count) × \(r.reason) (line\(r.lines.count == 1 ? "" : "s") \(r.lines.map(String.init).joined(separator: ", "))\(r.count > r.lines.count ? ", …" : ""))"
                )
            }
            if summary.interrupted {
                print("run the same command again to resume")
                throw ExitCode(130)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the cache knows about an item, and what the gate would make of it.")
        @Argument(help: "Primary item id (barcode).") var item: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let s = try store.open()
            guard let i = try storeCall({ () throws(CirculationError) in try s.item(item) }) else {
                print("\(item): not in the cache (the gate judges it by its tag alone)")
                throw ExitCode(1)
            }
            let entry = try storeCall { () throws(CirculationError) in try s.entry(item) }
            print("item        \(i.pii)")
            if let t = i.title { print("title       \(t)") }
            if let o = i.ownerISIL { print("owner       \(o)") }
            print("loan state  \(i.loanState.rawValue) (SIP2 \(i.loanState.sip2Code))\(i.dueDate.map { ", due \($0)" } ?? "")")
            if let h = i.hot { print("hot list    \(h.reason)\(h.note.map { " (\($0))" } ?? "") since \(LocalTime.format(h.addedAt))") }
            print("gate sees   \(entry)")
            print("updated     \(LocalTime.format(i.updatedAt)) by \(i.source)")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set one item's loan state (a running rfidgated applies it within a second).")
        @Argument(help: "Primary item id (barcode).") var item: String
        @Option(help: "Loan state: \(LoanState.allCases.map(\.rawValue).joined(separator: ", ")).") var state: String
        @Option(help: "Due date YYYY-MM-DD.") var due: String?
        @Option(help: "Title.") var title: String?
        @Option(help: "Owner ISIL.") var owner: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            guard let loan = LoanState(parsing: state) else { throw ValidationError("--state: unknown loan state \"\(state)\"") }
            let s = try store.open()
            try storeCall { () throws(CirculationError) in
                try s.upsert(
                    [ItemUpdate(pii: item, loanState: loan, dueDate: due, title: title, ownerISIL: owner)], source: .manual,
                    at: unixMillisNow(), journal: true)
            }
            print("\(item): \(loan.rawValue)")
        }
    }

    struct Hot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The hot list: items that always alarm (stolen, missing).", subcommands: [Add.self, Remove.self, List.self])

        struct Add: ParsableCommand {
            @Argument(help: "Primary item id (barcode).") var item: String
            @Option(help: "Why: stolen, missing, ...") var reason = "stolen"
            @Option(help: "A note for staff.") var note: String?
            @OptionGroup var store: StoreOptions
            func run() throws {
                let s = try store.open()
                try storeCall { () throws(CirculationError) in
                    try s.addHot(item, reason: reason, note: note, at: unixMillisNow(), journal: true)
                }
                print("\(item): on the hot list (\(reason))")
            }
        }

        struct Remove: ParsableCommand {
            @Argument(help: "Primary item id (barcode).") var item: String
            @OptionGroup var store: StoreOptions
            func run() throws {
                let s = try store.open()
                try storeCall { () throws(CirculationError) in try s.removeHot(item, at: unixMillisNow(), journal: true) }
                print("\(item): off the hot list")
            }
        }

        struct List: ParsableCommand {
            @OptionGroup var store: StoreOptions
            func run() throws {
                let s = try store.open()
                for h in try storeCall({ () throws(CirculationError) in try s.hotList() }) {
                    print("\(h.pii)  \(h.reason)  since \(LocalTime.format(h.addedAt, seconds: false))\(h.note.map { "  \($0)" } ?? "")")
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the store's integrity and its tables' agreement (exit 1 if not).")
        @OptionGroup var store: StoreOptions
        func run() throws {
            let s = try store.open()
            let problems = try storeCall { () throws(CirculationError) in try s.consistencyProblems() }
            let n = try storeCall { () throws(CirculationError) in try s.itemCount() }
            if problems.isEmpty {
                print("ok: \(n) items")
            } else {
                for p in problems { print("problem: \(p)") }
                throw ExitCode(1)
            }
        }
    }
}

/// Set by SIGINT/SIGTERM during an import: finish the batch, commit, stop.
let interrupted = Atomic<Bool>(false)

func installInterruptHandler() {
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in interrupted.store(true, ordering: .relaxed) }
}
