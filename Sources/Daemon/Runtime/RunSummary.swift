/// What a run did, printed when `rfidgated` stops: text for people, one JSON line for scripts.
public struct RunSummary: Sendable {
    public var seconds: Double
    public var reads, duplicates, items, decisions, alarms, undecodable, drops, readerErrors: Int
    public var ringHighWater: Int
    public var p50Micros, p99Micros, maxMicros: Double
    public var patronsPassed, forgetfulPassed, forgetfulAdmitted: Int
    /// SIP2 outbox replay during this run; nil when no `[sip2] server` is configured.
    public var sync: (replayed: Int, deadLettered: Int, backlog: Int)?

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
        """ + (sync.map { "\nSIP2 sync: \($0.replayed) replayed, \($0.deadLettered) dead-lettered, \($0.backlog < 0 ? "unknown" : "\($0.backlog)") still queued" } ?? "")
    }

    /// One JSON object on one line; keys are stable (scripts and tests depend on them).
    public var json: String {
        let fields: [(String, String)] = [
            ("seconds", format(seconds, 3)), ("reads", "\(reads)"), ("duplicates", "\(duplicates)"),
            ("items", "\(items)"), ("decisions", "\(decisions)"), ("alarms", "\(alarms)"),
            ("undecodable", "\(undecodable)"), ("drops", "\(drops)"), ("reader_errors", "\(readerErrors)"),
            ("ring_high_water", "\(ringHighWater)"), ("p50_us", format(p50Micros, 1)), ("p99_us", format(p99Micros, 1)),
            ("max_us", format(maxMicros, 1)), ("patrons_passed", "\(patronsPassed)"),
            ("expected_alarms", "\(forgetfulPassed)"), ("forgetful_admitted", "\(forgetfulAdmitted)"),
            ("sync_replayed", sync.map { "\($0.replayed)" } ?? "null"),
            ("sync_dead_letters", sync.map { "\($0.deadLettered)" } ?? "null"),
            ("sync_backlog", sync.map { $0.backlog < 0 ? "null" : "\($0.backlog)" } ?? "null"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
