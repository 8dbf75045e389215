import ControlProtocol
import Synchronization
import Threads

/// The daemon's events stream (`rfidgatectl events --follow`, `top`): the event recorder, the
/// reader threads, the station desk and the sync publish `ControlEvent`s here; every follower
/// on the control socket has its own bounded buffer, which its own thread empties into its
/// socket. Publishing never waits on a follower: a full buffer loses its oldest line and counts
/// it (the follower is told "dropped N"). With nobody following, publishing costs one atomic load.
public final class EventHub: Sendable {
    /// Lines held for a follower that reads too slowly, before the oldest go.
    public static let bufferPerFollower = 1024
    /// Followers at once; more are refused (each has a thread).
    public static let maxFollowers = 8

    let role: String
    private let followers = Mutex<[Follower]>([])
    private let following = Atomic<Int>(0)

    public init(role: String) { self.role = role }

    /// Hands `event` to every follower (any thread, never blocks on a client).
    public func publish(_ event: ControlEvent) {
        guard following.load(ordering: .relaxed) > 0 else { return }
        let line = event.json + "\n"
        followers.withLock { all in for f in all { f.push(line) } }
    }

    /// A new follower, or nil when `maxFollowers` already follow.
    func follow() -> Follower? {
        followers.withLock { all in
            guard all.count < Self.maxFollowers else { return nil }
            let f = Follower(capacity: Self.bufferPerFollower)
            all.append(f)
            following.store(all.count, ordering: .relaxed)
            return f
        }
    }

    func leave(_ f: Follower) {
        followers.withLock { all in
            all.removeAll { $0 === f }
            following.store(all.count, ordering: .relaxed)
        }
    }

    var followerCount: Int { following.load(ordering: .relaxed) }
}

/// One follower's buffer: lines waiting for its socket, and how many were dropped since the
/// last `take`.
final class Follower: @unchecked Sendable {
    let capacity: Int
    private let cond = PthreadCondition()
    // Guarded by `cond`'s mutex.
    private var lines: [String] = []
    private var dropped = 0

    init(capacity: Int) { self.capacity = capacity }

    func push(_ line: String) {
        cond.withLock {
            if lines.count >= capacity {
                lines.removeFirst()
                dropped += 1
            }
            lines.append(line)
        }
        cond.broadcast()
    }

    /// Everything waiting (the `dropped` line first), after waiting until there is something or
    /// `deadlineNanos` (CLOCK_MONOTONIC) passes.
    func take(untilNanos deadlineNanos: UInt64) -> String {
        cond.lock()
        defer { cond.unlock() }
        while lines.isEmpty && dropped == 0 {
            if !cond.wait(untilNanos: deadlineNanos) || monotonicNanos() >= deadlineNanos { break }
        }
        var out = dropped > 0 ? ControlEvent.dropped(dropped).json + "\n" : ""
        out += lines.joined()
        lines.removeAll(keepingCapacity: true)
        dropped = 0
        return out
    }
}
