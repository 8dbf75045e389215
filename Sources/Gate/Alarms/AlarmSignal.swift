/// Drives the alarm outputs: on at an alarm, held for `holdNanos` after the last alarm, then
/// off. An output that fails is logged and retried with backoff (100 ms doubling to 5 s) until
/// it is in the wanted state; the alarm events themselves are recorded independently.
///
/// Not thread-safe: one task calls `alarm` and `tick` (the daemon's event recorder).
public final class AlarmSignal {
    struct State {
        let output: any AlarmOutput
        var wanted = false
        var actual: Bool? = nil  // nil: unknown (never set, or the last command failed)
        var retryAt: UInt64 = 0
        var backoff: UInt64 = 0
        var failures = 0
    }

    public let holdNanos: UInt64
    private var states: [State]
    private var offAt: UInt64 = 0
    private let log: (String) -> Void

    public init(outputs: [any AlarmOutput], holdNanos: UInt64, log: @escaping (String) -> Void) {
        self.holdNanos = holdNanos
        states = outputs.map { State(output: $0) }
        self.log = log
    }

    public var outputCount: Int { states.count }
    /// Whether the outputs should be on now.
    public var isActive: Bool { states.first?.wanted ?? false }

    /// An alarm at `now`: outputs on (or kept on) until `now + holdNanos`.
    public func alarm(now: UInt64) {
        let extended = now &+ holdNanos > offAt
        offAt = max(offAt, now &+ holdNanos)
        for i in states.indices {
            // A pulsed output that is on would end its pulse at the first alarm's hold time:
            // send "on" again. Several alarms at one `now` (one batch) send it once.
            if extended && states[i].output.pulsed && states[i].actual == true { states[i].actual = nil }
            states[i].wanted = true
            states[i].retryAt = 0
        }
        tick(now: now)
    }

    /// Switches outputs off after the hold time and retries failed commands. Call often
    /// (every 50 ms or so).
    public func tick(now: UInt64) {
        if now >= offAt { for i in states.indices { states[i].wanted = false } }
        for i in states.indices where states[i].actual != states[i].wanted && now >= states[i].retryAt {
            let want = states[i].wanted
            do {
                try states[i].output.set(active: want)
                if states[i].failures > 0 {
                    log("alarm output \(states[i].output.name) works again after \(states[i].failures) failed attempt(s)")
                }
                states[i].actual = want
                states[i].failures = 0
                states[i].backoff = 0
            } catch {
                states[i].actual = nil
                states[i].failures += 1
                states[i].backoff = states[i].backoff == 0 ? 100_000_000 : min(states[i].backoff * 2, 5_000_000_000)
                states[i].retryAt = now &+ states[i].backoff
                if states[i].failures == 1 || states[i].failures % 20 == 0 {
                    log(
                        "alarm output \(states[i].output.name) failed to switch \(want ? "on" : "off") (attempt \(states[i].failures)): \(error); retrying. Check its cable and udev permissions (hardware/)"
                    )
                }
            }
        }
    }
}
