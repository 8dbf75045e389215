import Circulation
import ControlProtocol
import Gate
import Logging
import TagRing

/// The one consumer of the pipeline's event ring. For each batch of events it
/// 1. switches the alarm outputs on (the physical alarm waits for nothing),
/// 2. writes the alarms (and the visitor counts due) to the event log in one transaction,
///    synchronous=FULL, so an alarm is durable *before* it is reported,
/// 3. then prints and logs them.
/// When the store fails (disk full, damaged file), alarms are still printed, marked as not yet
/// logged, and kept in memory to be written when the store works again: none is lost while
/// the process lives. Called from one task at a time (the status loop, then at shutdown).
public final class EventRecorder: @unchecked Sendable {
    let runtime: GateRuntime
    let output: StatusOutput
    let logger: Logger
    /// Drives the alarm outputs on their own thread (their I/O blocks).
    public let alarms: AlarmDriver
    let command: AlarmCommand?
    /// Alarms not yet in the event log (the store failed).
    private var pending: [AlarmRecord] = []
    private var pendingVisitors: [VisitorBucket] = []
    private var lastVisitorFlush: UInt64
    private var failing = false
    public static let visitorFlushNanos: UInt64 = 10_000_000_000
    public static let maxPending = 100_000

    public init(runtime: GateRuntime, output: StatusOutput, logger: Logger, outputs: [any AlarmOutput] = []) {
        self.runtime = runtime
        self.output = output
        self.logger = logger
        let log = logger
        let signal = AlarmSignal(outputs: outputs, holdNanos: UInt64(runtime.config.alarmHoldMillis) * 1_000_000) { log.warning("\($0)") }
        alarms = AlarmDriver(signal: signal, clock: runtime.clock)
        alarms.start()
        command = runtime.config.alarmCommand.map { AlarmCommand(command: $0) { log.warning("\($0)") } }
        lastVisitorFlush = runtime.clock.nanoseconds()
    }

    /// Alarms waiting for the event log.
    public var pendingCount: Int { pending.count }

    /// Takes every event from the ring and handles it. `final`: flush visitor counts too.
    public func drain(final: Bool = false) {
        let nowNanos = runtime.clock.nanoseconds()
        let nowMillis = unixMillisNow()
        var events: [GateEvent] = []
        while let e = runtime.pipeline.events.pop() { events.append(e) }

        var records: [AlarmRecord] = []
        for e in events where e.kind == .alarm {
            alarms.alarm(at: nowNanos)
            let at = nowMillis - Int64((nowNanos &- e.atNanos) / 1_000_000)
            command?.run(environment: environment(e, at: at), now: nowNanos)
            records.append(record(e, at: at))
        }
        command?.poll(now: nowNanos)

        if final || nowNanos &- lastVisitorFlush >= Self.visitorFlushNanos {
            let (entering, leaving) = runtime.beam.take()
            if entering != 0 || leaving != 0 {
                runtime.visitorsCounted.entering.add(entering, ordering: .relaxed)
                runtime.visitorsCounted.leaving.add(leaving, ordering: .relaxed)
                runtime.events.publish(.visitors(at: nowMillis, entering: entering, leaving: leaving))
                pendingVisitors.append(
                    VisitorBucket(start: CirculationStore.visitorBucket(unixMillis: nowMillis), inCount: entering, outCount: leaving))
            }
            lastVisitorFlush = nowNanos
        }

        // A store that could not be opened is retried here, once per status tick at most.
        let store = runtime.store.retryIfDue(nowNanos: nowNanos)?.store
        var titles: [String?] = []
        var logged = false
        if let store, !(pending.isEmpty && records.isEmpty && pendingVisitors.isEmpty) {
            do {
                let all = try store.record(alarms: pending + records, visitors: pendingVisitors)
                titles = Array(all.suffix(records.count))
                if failing { logger.notice("event log works again: \(pending.count) held alarm(s) written") }
                pending.removeAll()
                pendingVisitors.removeAll()
                failing = false
                logged = true
            } catch {
                if !failing { logger.error("cannot write the event log; holding alarms in memory and retrying: \(error)") }
                failing = true
                hold(records)
            }
        } else if store == nil {
            // No store yet: the alarms wait in memory for it (StoreSlot retries opening it).
            failing = true
            hold(records)
        } else {
            logged = true
        }

        runtime.store.alarmsHeld.store(pending.count, ordering: .relaxed)
        var k = 0
        for e in events {
            if e.kind == .alarm {
                let title = k < titles.count ? titles[k] : nil
                output.report(e, runtime, logger: logger, title: title, logged: logged)
                runtime.events.publish(
                    .alarm(
                        at: nowMillis - Int64((nowNanos &- e.atNanos) / 1_000_000), item: e.item.isEmpty ? nil : e.item.string,
                        part: Int(e.partNumber), parts: Int(e.partsInSet), title: title, owner: e.owner.isEmpty ? nil : e.owner.string,
                        tag: hex64(e.tagID), afi: Int(e.afi), reader: runtime.readerName(e.reader), antenna: Int(e.antenna),
                        reason: "\(e.reason)", logged: logged))
                k += 1
            } else {
                output.report(e, runtime, logger: logger)
            }
        }
    }

    /// Keeps alarms for the event log while it fails; beyond `maxPending` the oldest go (said).
    private func hold(_ records: [AlarmRecord]) {
        pending += records
        if pending.count > Self.maxPending {
            logger.error("event log unavailable: dropping the oldest \(pending.count - Self.maxPending) held alarm(s)")
            pending.removeFirst(pending.count - Self.maxPending)
        }
    }

    private func record(_ e: GateEvent, at: Int64) -> AlarmRecord {
        AlarmRecord(
            at: at, item: e.item.isEmpty ? nil : e.item.string, tagUID: hex64(e.tagID), title: nil,
            ownerISIL: e.owner.isEmpty ? nil : e.owner.string, part: Int(e.partNumber), parts: Int(e.partsInSet),
            reader: runtime.readerName(e.reader), antenna: Int(e.antenna), afi: Int(e.afi), reason: "\(e.reason)")
    }

    private func environment(_ e: GateEvent, at: Int64) -> [(String, String)] {
        [
            ("RFIDGATE_ITEM", e.item.string), ("RFIDGATE_TAG", hex64(e.tagID)), ("RFIDGATE_OWNER", e.owner.string),
            ("RFIDGATE_READER", runtime.readerName(e.reader)), ("RFIDGATE_ANTENNA", "\(e.antenna)"),
            ("RFIDGATE_REASON", "\(e.reason)"), ("RFIDGATE_TIME", "\(at)"),
            ("RFIDGATE_TITLE", e.item.isEmpty ? "" : ((try? runtime.cache?.store.item(e.item.string))??.title ?? "")),
        ]
    }
}
