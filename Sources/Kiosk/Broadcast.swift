import Synchronization

/// Fans one stream of whole-view JSON texts out to every connected screen. Each subscriber
/// keeps only the newest text: a slow browser skips views, it never holds the daemon up.
public final class Broadcast: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public var count: Int { state.withLock { $0.subscribers.count } }

    public func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s in
            s.next += 1
            s.subscribers[s.next] = continuation
            return s.next
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    public func send(_ text: String) {
        for c in state.withLock({ Array($0.subscribers.values) }) { c.yield(text) }
    }

    public func finish() {
        for c in state.withLock({ s in
            defer { s.subscribers = [:] }; return Array(s.subscribers.values)
        }) { c.finish() }
    }
}
