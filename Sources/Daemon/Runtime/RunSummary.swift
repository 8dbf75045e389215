import ControlProtocol

/// What a run did, printed when `rfidgated` stops: text for people, one JSON line for scripts.
public struct RunSummary: Sendable {
    public var seconds: Double
    public var reads, duplicates, items, decisions, alarms, undecodable, drops, readerErrors: Int
    public var ringHighWater: Int
    public var p50Micros, p99Micros, maxMicros: Double
    public var patronsPassed, forgetfulPassed, forgetfulAdmitted: Int
    /// SIP2 outbox replay during this run; nil when no `[sip2] server` is configured.
    public var sync: (replayed: Int, deadLettered: Int, backlog: Int)?
    /// Storage faults seen (failed store opens and statements) and alarms still held in memory
    /// at the end because the event log never came back.
    public var storage: (faults: Int, alarmsNotLogged: Int) = (0, 0)

    init(_ s: GateRuntime.Snapshot, latency: (p50: UInt64, p99: UInt64, max: UInt64)) {
        seconds = Double(s.nanos) / 1e9
        reads = s.reads; duplicates = s.duplicates; items = s.items; decisions = s.decisions
        alarms = s.alarms; undecodable = s.undecodable; drops = s.drops; readerErrors = s.readerErrors
        ringHighWater = s.ringHighWater
        p50Micros = Double(latency.p50) / 1000; p99Micros = Double(latency.p99) / 1000; maxMicros = Double(latency.max) / 1000
        patronsPassed = s.patronsPassed; forgetfulPassed = s.forgetfulPassed; forgetfulAdmitted = s.forgetfulAdmitted
    }

    public var text: String {
        """
        summary: \(format(seconds, 1)) s, \(reads) reads (\(duplicates) repeats dropped), \(items) item passages, \
        \(alarms) alarms, \(undecodable) undecodable, \(drops) ring drops, \(readerErrors) reader errors
        latency frame→decision: p50 \(format(p50Micros, 1)) µs, p99 \(format(p99Micros, 1)) µs, max \(format(maxMicros, 1)) µs
        """
            + (storage.faults == 0 && storage.alarmsNotLogged == 0
                ? ""
                : "\nstorage: \(storage.faults) faults, \(storage.alarmsNotLogged) alarms not in the event log")
            + (sync.map {
                "\nSIP2 sync: \($0.replayed) replayed, \($0.deadLettered) dead-lettered, \($0.backlog < 0 ? "unknown" : "\($0.backlog)") still queued"
            } ?? "")
    }

    /// One JSON object on one line; keys are stable (scripts and tests depend on them).
    public var json: String { (try? JSONWire.encode(JSON(self))) ?? "{}" }

    /// The `--summary-json` object: the sync keys are null without `[sip2] server`.
    struct JSON: Encodable {
        let s: RunSummary
        init(_ s: RunSummary) { self.s = s }

        enum Key: String, CodingKey {
            case seconds, reads, duplicates, items, decisions, alarms, undecodable, drops
            case readerErrors = "reader_errors", ringHighWater = "ring_high_water"
            case p50 = "p50_us", p99 = "p99_us", max = "max_us", patronsPassed = "patrons_passed"
            case expectedAlarms = "expected_alarms", forgetfulAdmitted = "forgetful_admitted"
            case syncReplayed = "sync_replayed", syncDeadLetters = "sync_dead_letters", syncBacklog = "sync_backlog"
            case storageFaults = "storage_faults", alarmsNotLogged = "alarms_not_logged"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(rounded(s.seconds, 3), forKey: .seconds)
            try c.encode(s.reads, forKey: .reads)
            try c.encode(s.duplicates, forKey: .duplicates)
            try c.encode(s.items, forKey: .items)
            try c.encode(s.decisions, forKey: .decisions)
            try c.encode(s.alarms, forKey: .alarms)
            try c.encode(s.undecodable, forKey: .undecodable)
            try c.encode(s.drops, forKey: .drops)
            try c.encode(s.readerErrors, forKey: .readerErrors)
            try c.encode(s.ringHighWater, forKey: .ringHighWater)
            try c.encode(rounded(s.p50Micros, 1), forKey: .p50)
            try c.encode(rounded(s.p99Micros, 1), forKey: .p99)
            try c.encode(rounded(s.maxMicros, 1), forKey: .max)
            try c.encode(s.patronsPassed, forKey: .patronsPassed)
            try c.encode(s.forgetfulPassed, forKey: .expectedAlarms)
            try c.encode(s.forgetfulAdmitted, forKey: .forgetfulAdmitted)
            try c.encode(s.sync?.replayed, forKey: .syncReplayed)
            try c.encode(s.sync?.deadLettered, forKey: .syncDeadLetters)
            try c.encode(s.sync.flatMap { $0.backlog < 0 ? nil : $0.backlog }, forKey: .syncBacklog)
            try c.encode(s.storage.faults, forKey: .storageFaults)
            try c.encode(s.storage.alarmsNotLogged, forKey: .alarmsNotLogged)
        }
    }
}
