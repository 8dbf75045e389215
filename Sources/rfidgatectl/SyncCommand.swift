import ArgumentParser
import Circulation
import RFIDGateConfig
import SIP2
import SIP2Client
import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

/// `rfidgatectl sync …`: the offline outbox (loans and returns waiting for the ILS).
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Look at and work the SIP2 outbox (offline loans waiting for the ILS).",
        subcommands: [Status.self, SyncReport.self, Retry.self, Run.self])

    /// The outbox is rows of the circulation store: `--db FILE`, or the store of `--config`.
    static func openOutbox(db: String?, config: String?) throws -> CirculationOutbox {
        let path = try StoreOptions.path(db: db, config: config)
        let store: CirculationStore
        do { store = try CirculationStore.openExisting(path: path, durability: .full) } catch {
            printError("rfidgatectl: \(error)")
            throw ExitCode(74)
        }
        do { return try CirculationOutbox(store: store) } catch {
            printError("rfidgatectl: \(error)")
            throw ExitCode(74)
        }
    }

    static func time(_ unix: Int64?) -> String {
        guard let unix else { return "never" }
        return SIP2Clock.date(unixSeconds: unix).description
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backlog, oldest entry, last success, last error, dead letters.")
        @OptionGroup var where_: StoreOptions
        @Flag(help: "End with one JSON object on the last line.") var json = false
        func run() throws {
            let store = try SyncCommand.openOutbox(db: where_.db, config: where_.config)
            let s = try store.status()
            print("backlog \(s.backlog) (oldest \(SyncCommand.time(s.oldestPendingUnix))), done \(s.done), dead letters \(s.deadLetters)")
            print(
                "last success \(SyncCommand.time(s.lastSuccessUnix)); last error \(s.lastError.map { "\($0) at \(SyncCommand.time(s.lastErrorUnix))" } ?? "none")"
            )
            if let a = s.lastACSStatus {
                print(
                    "last ACS status at \(SyncCommand.time(a.atUnix)): on-line \(a.online ? "Y" : "N"), off-line ok \(a.offlineOK ? "Y" : "N")"
                )
            }
            if let since = s.offlineSinceUnix { print("ILS unreachable since \(SyncCommand.time(since))") }
            for d in try store.deadLetters(limit: 50) {
                print(
                    "dead \(d.id): \(d.kind.rawValue) item \(d.item)\(d.patron.map { " patron \($0)" } ?? "") at \(d.transactionDate): \(d.lastError ?? "")"
                )
            }
            if json {
                print(
                    JSONOut.object([
                        ("ok", .bool(true)), ("backlog", .int(Int64(s.backlog))), ("done", .int(Int64(s.done))),
                        ("dead_letters", .int(Int64(s.deadLetters))),
                        ("oldest_pending_unix", s.oldestPendingUnix.map { .int($0) } ?? .null),
                        ("last_success_unix", s.lastSuccessUnix.map { .int($0) } ?? .null),
                        ("last_error", s.lastError.map { .string($0) } ?? .null),
                    ]))
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead letter back in the queue, or send a pausing entry now (failures reset).",
            discussion:
                "The entry keeps its place, and the count of sends that may have reached the ILS: it is still checked with item information before it is sent again."
        )
        @OptionGroup var where_: StoreOptions
        @Argument(help: "Outbox entry id (see sync status).") var id: Int64
        func run() throws {
            let store = try SyncCommand.openOutbox(db: where_.db, config: where_.config)
            guard try store.revive(id: id) || store.resetBackoff(id: id) else {
                printError("entry \(id) is neither a dead letter nor waiting (see rfidgatectl sync status)")
                throw ExitCode(1)
            }
            print("entry \(id) queued again, failures reset; it is sent on the next sync round")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replay the outbox to the ILS now (one round, or until empty).")
        @OptionGroup var options: SIP2Options
        @Option(help: "The circulation store holding the outbox (default: [cache] path of --config).") var db: String?
        @Flag(help: "Keep trying (with backoff) until the queue is empty.") var untilEmpty = false
        func run() async throws {
            let store = try SyncCommand.openOutbox(db: db, config: options.config)
            // One replayer per store: never beside the daemon's replay (or another sync run).
            let lock: ReplayLock
            do { lock = try store.acquireReplayLock(holder: "rfidgatectl sync run pid \(getpid())") } catch let held as ReplayLock.Held {
                printError("rfidgatectl: \(held): it replays by itself every sync_interval_s; `rfidgatectl sync status` shows the queue")
                throw ExitCode(75)
            }
            defer { lock.release() }
            let client = try options.makeClient()
            let untilEmpty = self.untilEmpty
            let (done, dead, left, stopped) = try await { () async throws in
                let sync = SyncService(store: store, client: client, alert: { e, why in printError("ALERT dead letter \(e.id): \(why)") })
                var done = 0, dead = 0
                var wait = Duration.milliseconds(200)
                while true {
                    let r = await sync.replayRound()
                    done += r.done; dead += r.deadLettered
                    let left = try store.status().backlog
                    // Nothing due (the rest backs off after failures): waiting here would not help.
                    let backingOff = r.stoppedBy == nil && r.done + r.deadLettered == 0 && left > 0
                    if left == 0 || !untilEmpty || backingOff {
                        await client.disconnect()
                        return (
                            done, dead, left,
                            backingOff ? "the rest are pausing after failures (`sync retry ID` sends one now)" : r.stoppedBy
                        )
                    }
                    try await Task.sleep(for: wait)
                    wait = min(wait * 2, .seconds(30))
                }
            }()
            print("replayed \(done), dead letters \(dead), still queued \(left)\(stopped.map { "; stopped: \($0)" } ?? "")")
            if options.json {
                print(
                    JSONOut.object([
                        ("ok", .bool(left == 0)), ("replayed", .int(Int64(done))), ("dead_letters", .int(Int64(dead))),
                        ("backlog", .int(Int64(left))),
                    ]))
            }
            if left > 0 { throw ExitCode(75) }
        }
    }
}
