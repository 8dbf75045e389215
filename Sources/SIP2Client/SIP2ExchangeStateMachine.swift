import SIP2

/// The SIP2 exchange loop of one connection, with no sockets and no clock of its own: the caller
/// feeds it requests, received frames, timer ticks and the connection's end (each with `now`, in
/// monotonic nanoseconds), and carries out the `Action` it returns. The NIO handler is the only
/// production caller; the unit tests drive it directly.
///
/// - One request at a time; sequence numbers (AY) run 0...9 from the connection's start.
/// - A 96 sends the same frame again (same AY), a checksum failure asks with 97; each at most
///   `resendLimit` times, then the outcome is unknown.
/// - The deadline runs from the (re)send; an answer that arrives after it is late, whatever order
///   the timer and the frame are seen in.
/// - Frames outside a request (unsolicited, or after a failure) are discarded at once: nothing is
///   queued, so a peer that floods frames cannot grow memory.
public struct SIP2ExchangeStateMachine: Sendable {
    public enum Action: Equatable, Sendable {
        /// Write these bytes (the request, first time).
        case send([UInt8])
        /// Write these bytes again (after 96) or a 97; `note` says why, for the log.
        case resend([UInt8], note: String)
        /// The request's answer; `note` is a warning worth logging (a cut frame), if any.
        case answer(SIP2Message, note: String?)
        /// A frame that is not the answer was thrown away; `reason` is for the log.
        case discard(reason: String)
        /// The request failed; the caller closes the connection (a late answer must never be taken
        /// for the answer to a later request).
        case fail(SIP2ClientError)
        case none
    }

    struct Pending: Sendable {
        var code: String
        var expecting: String
        var frame: [UInt8]
        var sequence: Int
        var timeoutNanos: UInt64
        var deadline: UInt64
        var resendLimit: Int
        var resends96 = 0
        var resends97 = 0
        var afterResendRequest = false
    }

    private let encoder: SIP2Encoder
    private let decoder: SIP2Decoder
    private let errorDetection: Bool
    private var nextSequence = 0
    private var pending: Pending?
    private var closed = false
    /// Frames written, resends included (the bench's denominator).
    public private(set) var framesSent = 0
    /// Frames thrown away outside a request (counted, never kept).
    public private(set) var discardedUnsolicited = 0

    public init(charset: SIP2Charset, errorDetection: Bool) {
        encoder = SIP2Encoder(charset: charset, errorDetection: errorDetection)
        decoder = SIP2Decoder(charset: charset)
        self.errorDetection = errorDetection
    }

    /// When the current request times out (nil when idle): the caller arms a timer for it.
    public var deadline: UInt64? { pending?.deadline }
    public var isIdle: Bool { pending == nil }

    /// Starts a request. `timeoutNanos` and `resendLimit` come from the ACS status, which the
    /// client (not the connection) knows.
    public mutating func start(
        _ message: SIP2Message, expecting code: String, timeoutNanos: UInt64, resendLimit: Int,
        now: UInt64
    ) -> Action {
        guard !closed else { return .fail(.connectionClosed(command: message.code, sent: false)) }
        guard pending == nil else { return .fail(.unexpectedResponse(command: message.code, got: "a request already in flight")) }
        let seq = nextSequence
        let frame: [UInt8]
        do { frame = try encoder.encode(message, sequence: seq) } catch { return .fail(.encode(error)) }
        nextSequence = (nextSequence + 1) % 10
        pending = Pending(
            code: message.code, expecting: code, frame: frame, sequence: seq, timeoutNanos: timeoutNanos,
            deadline: now &+ timeoutNanos, resendLimit: resendLimit)
        framesSent += 1
        return .send(frame)
    }

    /// A complete frame arrived at `now`.
    public mutating func received(_ f: SIP2Framer.Frame, now: UInt64) -> Action {
        guard var p = pending else {
            discardedUnsolicited += 1
            return .discard(reason: "unsolicited SIP2 frame")
        }
        // Past the deadline (the timer has not been seen yet): late, not an answer.
        if now > p.deadline { return fail(.timeout(command: p.code, seconds: Double(p.timeoutNanos) / 1e9)) }
        let m: SIP2Message
        do { m = try decoder.decode(f.bytes, truncated: f.truncated) } catch {
            return .discard(reason: "unreadable SIP2 frame: \(error)")
        }
        if m.code == "96" {
            guard p.resends96 < p.resendLimit else { return fail(.resendLimit(command: p.code, resends: p.resends96)) }
            p.resends96 += 1
            p.deadline = now &+ p.timeoutNanos
            pending = p
            framesSent += 1
            return .resend(p.frame, note: "ILS asked for a resend (96) of \(p.code), resend \(p.resends96)")
        }
        if m.checksum == .invalid {
            guard p.resends97 < p.resendLimit else { return fail(.badChecksum(command: p.code)) }
            p.resends97 += 1
            p.afterResendRequest = true
            p.deadline = now &+ p.timeoutNanos
            pending = p
            framesSent += 1
            let resend = (try? encoder.encode(RequestACSResend.message, sequence: 0)) ?? Array("97\r".utf8)
            return .resend(resend, note: "SIP2 answer failed its checksum; asking for a resend (97)")
        }
        if m.code != p.expecting { return .discard(reason: "SIP2 \(m.code) while waiting for \(p.expecting)") }
        // A resent answer may carry a different AY (Evergreen rebuilds the trailer).
        if errorDetection, !p.afterResendRequest, let s = m.sequence, s != p.sequence {
            return .discard(reason: "SIP2 \(m.code) with sequence \(s), expected \(p.sequence) (late answer)")
        }
        pending = nil
        let note = f.truncated ? "SIP2 answer longer than the frame limit was cut (\(f.discarded) bytes dropped)" : nil
        return .answer(m, note: note)
    }

    /// The timer armed for `deadline` fired at `now` (a stale timer, before the current deadline, is ignored).
    public mutating func timerFired(now: UInt64) -> Action {
        guard let p = pending, now >= p.deadline else { return .none }
        return fail(.timeout(command: p.code, seconds: Double(p.timeoutNanos) / 1e9))
    }

    /// Writing the request failed (the connection is gone). `tlsError` is why TLS failed, if it did.
    public mutating func writeFailed(tlsError: String? = nil, endpoint: String = "") -> Action {
        guard let p = pending else { return .none }
        if let tlsError { return fail(.tlsFailed(endpoint: endpoint, reason: tlsError)) }
        // Only the first write of a request can leave the outcome known (nothing went out).
        return fail(.connectionClosed(command: p.code, sent: p.resends96 + p.resends97 > 0))
    }

    /// The connection ended (peer closed, error). A request in flight has an unknown outcome.
    public mutating func connectionClosed(tlsError: String? = nil, endpoint: String = "") -> Action {
        closed = true
        guard let p = pending else { return .none }
        if let tlsError { return fail(.tlsFailed(endpoint: endpoint, reason: tlsError)) }
        return fail(.connectionClosed(command: p.code, sent: true))
    }

    private mutating func fail(_ e: SIP2ClientError) -> Action {
        pending = nil
        closed = true
        return .fail(e)
    }
}

/// When the idle session needs a 99, on any clock the caller passes in.
public struct SIP2KeepaliveSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Swift.Duration {
    public let interval: Duration
    public private(set) var lastActivity: Instant

    public init(interval: Duration, start: Instant) { self.interval = interval; lastActivity = start }

    public mutating func noteActivity(at now: Instant) { lastActivity = now }
    public func isDue(at now: Instant) -> Bool { lastActivity.duration(to: now) >= interval }
    /// How long to sleep before looking again (at least 100 ms, so a clock step cannot spin).
    public func wait(at now: Instant) -> Duration { max(.milliseconds(100), interval - lastActivity.duration(to: now)) }
}

/// The rule for a checkout or checkin whose answer was lost: ask item information (17) before
/// sending it again, so a lost answer never becomes a second loan (or a renewal).
public enum SIP2UnknownOutcomeRule {
    public enum Next: Equatable, Sendable {
        /// The first attempt got through: report this, send nothing more.
        case alreadyApplied
        /// The ILS shows no trace of it: send the request once more.
        case sendAgain
    }

    /// After a lost checkout answer: a charged item means the loan exists.
    public static func afterLostCheckout(_ info: ItemInformationResponse) -> Next {
        info.isCharged ? .alreadyApplied : .sendAgain
    }

    /// After a lost checkin answer: an item with a known, uncharged status was checked in.
    public static func afterLostCheckin(_ info: ItemInformationResponse) -> Next {
        !info.isCharged && info.circulationStatus != nil && info.circulationStatus != .other ? .alreadyApplied : .sendAgain
    }
}
