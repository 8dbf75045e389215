import SIP2
import SIP2Client

/// A few SIP2 connections to the ILS, so a stack costs about one round trip per connection,
/// not one per item (SIP2 is one request, one answer per connection). Items borrow a
/// connection for one exchange and give it back; waiters are served in order.
public actor SIP2Pool {
    public nonisolated let clients: [SIP2Client]
    private var free: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []

    public init(_ clients: [SIP2Client]) {
        precondition(!clients.isEmpty, "a SIP2 pool needs at least one connection")
        self.clients = clients
        free = Array(clients.indices)
    }

    public init(configuration: SIP2ClientConfiguration, size: Int) {
        self.init((0..<max(1, size)).map { _ in SIP2Client(configuration) })
    }

    /// Runs `body` with a connection of its own.
    public func with<T: Sendable>(_ body: @Sendable (SIP2Client) async throws(SIP2ClientError) -> T) async throws(SIP2ClientError) -> T {
        let i = await take()
        defer { give(i) }
        return try await body(clients[i])
    }

    private func take() async -> Int {
        if let i = free.popLast() { return i }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func give(_ i: Int) {
        if waiters.isEmpty { free.append(i) } else { waiters.removeFirst().resume(returning: i) }
    }

    /// The last ACS status any connection read (its "offline OK" flag decides offline loans).
    public func acsStatus() async -> ACSStatus? {
        for c in clients { if let s = await c.acsStatus { return s } }
        return nil
    }

    public func disconnect() async {
        for c in clients { await c.disconnect() }
    }
}
