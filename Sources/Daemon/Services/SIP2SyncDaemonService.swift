import Circulation
import ControlProtocol
import Logging
import RFIDGateConfig
import SIP2Client
import SIP2Sync
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the sync did during this run, for the summary (and tests that read it).
public final class SyncCounters: Sendable {
    let replayedValue = Atomic<Int>(0)
    let deadValue = Atomic<Int>(0)
    /// -1 until the first round has looked at the queue.
    let backlogValue = Atomic<Int>(-1)
    let enabledValue = Atomic<Bool>(false)

    public init() {}
    public var replayed: Int { replayedValue.load(ordering: .relaxed) }
    public var deadLettered: Int { deadValue.load(ordering: .relaxed) }
    public var backlog: Int { backlogValue.load(ordering: .relaxed) }
    public var enabled: Bool { enabledValue.load(ordering: .relaxed) }
}

/// Replays the SIP2 outbox (loans and returns accepted while the ILS was away) whenever
/// `[sip2] server` is configured, through the box's shared `SIP2Client` (whose own service keeps
/// the session alive and closes it after this one stops).
///
/// The outbox is rows of the circulation store, so while the store cannot be opened there is
/// nothing to replay (the gate still runs; the error says why) and the sync waits for it. Stopping mid-exchange is safe: an entry is marked
/// "attempted" on disk before its frame leaves, and the next run asks the ILS (item information)
/// before sending it again.
struct SIP2SyncDaemonService: Service {
    /// `[sip2]`: the server and the sync interval.
    let settings: SIP2Settings
    /// The store whose outbox is replayed, once it opens (nil: the daemon stopped first).
    let openStore: @Sendable () async -> CirculationStore?
    /// The shared client (nil when `[sip2]` is not configured or invalid; already logged).
    let client: SIP2Client?
    let counters: SyncCounters
    let output: StatusOutput
    let logger: Logger
    /// The control socket's events stream (replays, dead letters).
    var events: EventHub? = nil

    func run() async throws {
        let settings = settings
        guard settings.server != nil else { return }
        guard let store = await openStore() else { return }
        guard let client else { return }
        let outbox: CirculationOutbox
        do {
            outbox = try CirculationOutbox(store: store)
        } catch {
            logger.error("SIP2 sync not started: \(error)")
            return
        }
        // One replayer per store: wait (without replaying) while `rfidgatectl sync run` holds it.
        guard let lock = await acquireReplayLock(outbox, every: .seconds(settings.syncIntervalSeconds)) else { return }
        defer { lock.release() }
        counters.enabledValue.store(true, ordering: .relaxed)
        if let s = try? outbox.status() { counters.backlogValue.store(s.backlog, ordering: .relaxed) }
        let log = logger
        let output = output
        let events = events
        let sync = SyncService(
            store: outbox, client: client, logger: Logger(label: "rfidgate.sync"),
            alert: { e, why in
                // The staff alert: a critical journal entry (alerting picks these up) and a line on
                // the console next to the ALARM lines. The entry stays in the dead-letter list.
                output.write(
                    "SYNC DEAD LETTER  #\(e.id) \(e.kind.rawValue) item \(e.item)\(e.patron.map { " patron \($0)" } ?? ""): \(why); resolve it in the ILS, then `rfidgatectl sync retry \(e.id)` if it should be sent again"
                )
                events?.publish(
                    .deadLetter(at: unixMillisNow(), entry: Int64(e.id), kind: e.kind.rawValue, item: e.item, reason: "\(why)"))
                log.critical(
                    "SIP2 outbox entry moved to dead letters",
                    metadata: [
                        "sync.entry": "\(e.id)", "sync.kind": "\(e.kind.rawValue)", "item.id": "\(e.item)", "sync.reason": "\(why)",
                    ])
            })
        let counters = counters
        logger.info("SIP2 sync started", metadata: ["sip2.server": "\(settings.server ?? "")", "sync.backlog": "\(counters.backlog)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await sync.run(pollInterval: .seconds(settings.syncIntervalSeconds)) { r in
                    counters.replayedValue.add(r.done, ordering: .relaxed)
                    counters.deadValue.add(r.deadLettered, ordering: .relaxed)
                    let backlog = (try? outbox.status().backlog) ?? -1
                    counters.backlogValue.store(backlog, ordering: .relaxed)
                    if r.done + r.deadLettered > 0 {
                        events?.publish(
                            .sync(at: unixMillisNow(), replayed: r.done, deadLetters: r.deadLettered, backlog: backlog < 0 ? nil : backlog))
                        log.notice("SIP2 sync: \(r.done) replayed, \(r.deadLettered) dead-lettered, \(backlog) still queued")
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// The store's replay lock, retried every `every` while another process holds it; nil when
    /// the daemon stops first.
    func acquireReplayLock(_ outbox: CirculationOutbox, every: Duration) async -> ReplayLock? {
        var told = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                return try outbox.acquireReplayLock(holder: "rfidgated pid \(getpid())")
            } catch let held as ReplayLock.Held {
                if !told { logger.notice("SIP2 sync waits: \(held)") }
                told = true
            } catch {
                logger.error("SIP2 sync not started: \(error)")
                return nil
            }
            try? await Task.sleep(for: every)
        }
        return nil
    }
}
