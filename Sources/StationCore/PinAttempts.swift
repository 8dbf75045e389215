/// Wrong PINs, per card: after `limit` wrong tries within `windowNanos` the card is locked
/// for `lockNanos`, so a lost card cannot be tried against all 10 000 PINs at a station.
/// Pure and clock-injected. Cards are kept by a hash only (a card number is personal data).
public struct PinAttempts: Sendable {
    public var limit: Int
    public var windowNanos: UInt64
    public var lockNanos: UInt64
    private var failures: [Int: [UInt64]] = [:]
    private var lockedUntil: [Int: UInt64] = [:]

    public init(limit: Int = 3, windowNanos: UInt64 = 300_000_000_000, lockNanos: UInt64 = 900_000_000_000) {
        self.limit = limit
        self.windowNanos = windowNanos
        self.lockNanos = lockNanos
    }

    /// Nanoseconds the card stays locked from `now`, or nil when it may try.
    public func locked(card: String, now: UInt64) -> UInt64? {
        guard let until = lockedUntil[card.hashValue], until > now else { return nil }
        return until - now
    }

    /// A wrong PIN. Returns whether the card is locked now.
    @discardableResult
    public mutating func wrong(card: String, now: UInt64) -> Bool {
        let k = card.hashValue
        var list = (failures[k] ?? []).filter { now < $0 || now - $0 <= windowNanos }
        list.append(now)
        if list.count >= limit {
            lockedUntil[k] = now + lockNanos
            failures[k] = nil
            return true
        }
        failures[k] = list
        return false
    }

    /// A right PIN clears the count.
    public mutating func right(card: String) {
        failures[card.hashValue] = nil
        lockedUntil[card.hashValue] = nil
    }

    /// Drops what is older than the window and the locks that ended (bounded memory).
    public mutating func prune(now: UInt64) {
        lockedUntil = lockedUntil.filter { $0.value > now }
        failures = failures.compactMapValues { l in
            let kept = l.filter { now < $0 || now - $0 <= windowNanos }
            return kept.isEmpty ? nil : kept
        }
    }
}
