import Logging
import NIOCore
import NIOPosix
import SIP2

/// SIP2 client for one terminal account: one long-lived connection, one request at a time.
///
/// - Always logs in (93) first, then sends 99; the 98 answer is kept (`acsStatus`) for policy.
/// - Every request has a deadline; a request that times out or loses its connection is reported as
///   "outcome unknown" and the connection is dropped, so a late answer can never be taken for the
///   answer to a later request.
/// - 96 → the same frame again (same AY), 97 for an answer failing its checksum; both at most
///   min(maxResends, the ACS's retries allowed) times.
/// - Reconnects on demand with exponential backoff (login refusals back off too).
public actor SIP2Client {
    public enum Direction: Sendable { case sent, received }
    public typealias Trace = @Sendable (Direction, [UInt8]) -> Void

    public nonisolated let configuration: SIP2ClientConfiguration
    public private(set) var acsStatus: ACSStatus?
    /// Frames sent and received since creation (the bench's denominator).
    public private(set) var messagesSent = 0
    private let group: EventLoopGroup
    private var logger: Logger
    private let trace: Trace?
    private var connection: SIP2Connection?
    private var keepalive: SIP2KeepaliveSchedule<ContinuousClock.Instant>
    private var backoff: Duration
    private var retryAfter: ContinuousClock.Instant?
    private var lastConnectError: SIP2ClientError?
    // One exchange at a time (the actor is reentrant across awaits).
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(
        _ configuration: SIP2ClientConfiguration, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "rfidgate.sip2"), trace: Trace? = nil
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.trace = trace
        keepalive = SIP2KeepaliveSchedule(interval: configuration.keepaliveInterval, start: .now)
        backoff = configuration.reconnectBackoff
    }

    public var isConnected: Bool { connection?.isActive ?? false }

    // MARK: serialisation

    private func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    private func serialized<T>(_ body: () async throws(SIP2ClientError) -> T) async throws(SIP2ClientError) -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    // MARK: connection

    /// Connects, logs in and reads the ACS status, unless already connected. Honours the backoff.
    public func connect() async throws(SIP2ClientError) {
        try await serialized { () async throws(SIP2ClientError) in try await ensureConnected() }
    }

    public func disconnect() async {
        await acquire()
        drop()
        release()
    }

    private func drop() {
        connection?.close()
        connection = nil
    }

    private func ensureConnected() async throws(SIP2ClientError) {
        if let c = connection, c.isActive { return }
        drop()
        if let until = retryAfter, until > .now, let last = lastConnectError {
            throw .backingOff(seconds: (until - .now).seconds, lastError: last.description)
        }
        do throws(SIP2ClientError) {
            // A new connection (and its handler) starts again at AY0.
            connection = try await SIP2Connection.connect(configuration, group: group, logger: logger, trace: trace)
            let login = try await exchange(
                LoginRequest(user: configuration.login, password: configuration.password, location: configuration.location).message,
                expecting: "94")
            guard login.fixed(0, 1) == "1" else {
                drop()
                throw SIP2ClientError.loginRefused(user: configuration.login)
            }
            let status = try await exchange(SCStatusRequest().message, expecting: "98")
            if case .acsStatus(let s) = try? SIP2Response(status) { noteStatus(s) }
            backoff = configuration.reconnectBackoff
            retryAfter = nil
            lastConnectError = nil
        } catch {
            drop()
            lastConnectError = error
            retryAfter = .now + backoff
            logger.warning("SIP2 connection failed; next attempt in \(backoff)", metadata: ["error": "\(error)"])
            backoff = min(backoff * 2, configuration.maxReconnectBackoff)
            // The caller's request was never sent: a login or status exchange that failed
            // (closed, timed out) must not read as "the request may have reached the ACS".
            if error.outcomeUnknown {
                throw .connectFailed(endpoint: "\(configuration.host):\(configuration.port)", reason: "logging in: \(error)")
            }
            throw error
        }
    }

    /// Clears the reconnect backoff (a technician's "try now").
    public func resetBackoff() { retryAfter = nil; backoff = configuration.reconnectBackoff }

    private func noteStatus(_ s: ACSStatus) {
        acsStatus = s
        if let d = s.dateTime {
            let skew = SIP2Clock.unixSeconds(of: d) - SIP2Clock.unixNow()
            if abs(skew) > 300 {
                logger.warning("ILS clock differs from this box by \(skew) s; offline loan dates use this box's clock: check NTP")
            }
        }
    }

    private var effectiveTimeout: Duration {
        if let t = acsStatus?.timeoutTenths { return max(.milliseconds(t * 100), configuration.minimumRequestTimeout) }
        return configuration.requestTimeout
    }

    private var resendLimit: Int { min(configuration.maxResends, acsStatus?.retriesAllowed ?? configuration.maxResends) }

    // MARK: one exchange

    /// Sends one request and returns its answer. Caller must hold the serialisation and a connection.
    /// The exchange itself (AY, 96/97, deadline) runs in the connection's handler.
    private func exchange(_ message: SIP2Message, expecting code: String) async throws(SIP2ClientError) -> SIP2Message {
        guard let conn = connection else { throw .connectionClosed(command: message.code, sent: false) }
        keepalive.noteActivity(at: .now)
        defer { keepalive.noteActivity(at: .now) }
        do {
            let answer = try await conn.exchange(message, expecting: code, timeout: effectiveTimeout, resendLimit: resendLimit)
            messagesSent += answer.framesSent
            return answer.message
        } catch {
            messagesSent += 1
            drop()
            throw error
        }
    }

    /// Connects if needed, then one exchange; the typed helpers below go through here.
    public func request<R: SIP2Request>(_ r: R) async throws(SIP2ClientError) -> SIP2Response {
        try await serialized { () async throws(SIP2ClientError) -> SIP2Response in
            try await ensureConnected()
            let m = try await exchange(r.message, expecting: R.responseCode)
            do { return try SIP2Response(m) } catch { throw .unexpectedResponse(command: r.message.code, got: m.code) }
        }
    }

    // MARK: keepalive

    /// Sends 99 whenever the connection has been idle for `keepaliveInterval`; reconnects (and logs in
    /// again) when that fails. Runs until the task is cancelled.
    public func runKeepalive() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: keepalive.wait(at: .now))
            if Task.isCancelled { return }
            if keepalive.isDue(at: .now) {
                do { _ = try await status() } catch {
                    logger.notice("SIP2 keepalive failed: \(error)")
                    keepalive.noteActivity(at: .now)
                }
            }
        }
    }

    // MARK: typed requests

    var now: SIP2Date { SIP2Clock.now(utc: configuration.utcDates) }

    /// 99 → 98; the status is also kept in `acsStatus`.
    public func status() async throws(SIP2ClientError) -> ACSStatus {
        guard case .acsStatus(let s) = try await request(SCStatusRequest()) else { throw .unexpectedResponse(command: "99", got: "?") }
        noteStatus(s)
        return s
    }

    public func patronStatus(_ patron: String, pin: String = "") async throws(SIP2ClientError) -> PatronStatusResponse {
        let r = PatronStatusRequest(
            date: now, institution: configuration.institution, patron: patron, terminalPassword: configuration.terminalPassword,
            patronPassword: pin)
        guard case .patronStatus(let s) = try await request(r) else { throw .unexpectedResponse(command: "23", got: "?") }
        return s
    }

    public func patronInformation(
        _ patron: String, pin: String? = nil, summary: PatronInformationRequest.Summary? = nil, range: ClosedRange<Int>? = nil
    ) async throws(SIP2ClientError) -> PatronInformationResponse {
        let r = PatronInformationRequest(
            date: now, institution: configuration.institution, patron: patron, terminalPassword: configuration.terminalPassword,
            patronPassword: pin, summary: summary, range: range)
        guard case .patronInformation(let s) = try await request(r) else { throw .unexpectedResponse(command: "63", got: "?") }
        return s
    }

    public func itemInformation(_ item: String) async throws(SIP2ClientError) -> ItemInformationResponse {
        let r = ItemInformationRequest(
            date: now, institution: configuration.institution, item: item, terminalPassword: configuration.terminalPassword)
        guard case .itemInformation(let s) = try await request(r) else { throw .unexpectedResponse(command: "17", got: "?") }
        return s
    }

    /// Item status update (19); refused locally when the ACS's BX says it does not support it.
    public func itemStatusUpdate(_ item: String, properties: String) async throws(SIP2ClientError) -> ItemStatusUpdateResponse? {
        try await connect()  // the BX flags come with the 98 answer
        if let s = acsStatus, !s.supports(.itemStatusUpdate) { return nil }
        let r = ItemStatusUpdateRequest(
            date: now, institution: configuration.institution, item: item, properties: properties,
            terminalPassword: configuration.terminalPassword)
        guard case .itemStatusUpdate(let s) = try await request(r) else { throw .unexpectedResponse(command: "19", got: "?") }
        return s
    }

    public func endSession(_ patron: String, pin: String? = nil) async throws(SIP2ClientError) -> EndSessionResponse {
        let r = EndPatronSessionRequest(
            date: now, institution: configuration.institution, patron: patron, terminalPassword: configuration.terminalPassword,
            patronPassword: pin)
        guard case .endSession(let s) = try await request(r) else { throw .unexpectedResponse(command: "35", got: "?") }
        return s
    }

    public func renew(patron: String, item: String) async throws(SIP2ClientError) -> RenewResponse {
        let r = RenewRequest(
            transactionDate: now, institution: configuration.institution, patron: patron, item: item,
            terminalPassword: configuration.terminalPassword)
        guard case .renew(let s) = try await request(r) else { throw .unexpectedResponse(command: "29", got: "?") }
        return s
    }

    /// Builds a checkout with this terminal's institution and terminal password.
    public func makeCheckout(
        patron: String, item: String, patronPassword: String? = nil, noBlock: Bool = false,
        transactionDate: SIP2Date? = nil, nbDueDate: SIP2Date? = nil, feeAcknowledged: Bool? = nil,
        cancel: Bool? = nil
    ) -> CheckoutRequest {
        let date = transactionDate ?? now
        let due = nbDueDate ?? (configuration.nbDueDateFiller == .transactionDate ? date : nil)
        return CheckoutRequest(
            scRenewalPolicy: true, noBlock: noBlock, transactionDate: date, nbDueDate: due,
            institution: configuration.institution, patron: patron, item: item,
            terminalPassword: configuration.terminalPassword, patronPassword: patronPassword,
            feeAcknowledged: feeAcknowledged, cancel: cancel)
    }

    public func makeCheckin(
        item: String, noBlock: Bool = false, transactionDate: SIP2Date? = nil, returnDate: SIP2Date? = nil, cancel: Bool? = nil
    ) -> CheckinRequest {
        let date = transactionDate ?? now
        return CheckinRequest(
            noBlock: noBlock, transactionDate: date, returnDate: returnDate ?? date,
            currentLocation: configuration.currentLocation, institution: configuration.institution,
            item: item, terminalPassword: configuration.terminalPassword, cancel: cancel)
    }

    /// Checkout with the unknown-outcome rule: if the answer is lost (timeout, closed connection,
    /// 96/97 exhausted), ask item information (17) before sending again. Charged → the first
    /// attempt got through (no second loan, no renewal); otherwise send once more.
    public func checkout(_ r: CheckoutRequest) async throws(SIP2ClientError) -> CheckoutOutcome {
        do throws(SIP2ClientError) {
            guard case .checkout(let c) = try await request(r) else { throw SIP2ClientError.unexpectedResponse(command: "11", got: "?") }
            return .answered(c)
        } catch  where error.outcomeUnknown {
            logger.notice("checkout of \(r.item) has an unknown outcome (\(error)); asking item information first")
            let info = try await itemInformation(r.item)
            if SIP2UnknownOutcomeRule.afterLostCheckout(info) == .alreadyApplied { return .confirmedCharged(info) }
            guard case .checkout(let c) = try await request(r) else { throw .unexpectedResponse(command: "11", got: "?") }
            return .answered(c)
        }
    }

    /// Checkin with the same rule: after a lost answer, an item that is no longer charged was checked in.
    public func checkin(_ r: CheckinRequest) async throws(SIP2ClientError) -> CheckinOutcome {
        do throws(SIP2ClientError) {
            guard case .checkin(let c) = try await request(r) else { throw SIP2ClientError.unexpectedResponse(command: "09", got: "?") }
            return .answered(c)
        } catch  where error.outcomeUnknown {
            logger.notice("checkin of \(r.item) has an unknown outcome (\(error)); asking item information first")
            let info = try await itemInformation(r.item)
            if SIP2UnknownOutcomeRule.afterLostCheckin(info) == .alreadyApplied { return .confirmedNotCharged(info) }
            guard case .checkin(let c) = try await request(r) else { throw .unexpectedResponse(command: "09", got: "?") }
            return .answered(c)
        }
    }
}

public enum CheckoutOutcome: Sendable, Equatable {
    /// The ACS answered the checkout (ok or refused).
    case answered(CheckoutResponse)
    /// The answer was lost but item information shows the item charged: the loan exists.
    case confirmedCharged(ItemInformationResponse)
}

public enum CheckinOutcome: Sendable, Equatable {
    case answered(CheckinResponse)
    case confirmedNotCharged(ItemInformationResponse)
}

func printable(_ b: [UInt8]) -> String {
    String(decoding: b.prefix(512).map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x2E }, as: UTF8.self)
}
