import NIOCore
import NIOPosix
import SIP2
import Synchronization

/// An in-process library system speaking SIP2 over loopback TCP: the station's ILS when none is
/// configured, and the benchmarks' and tests' ILS. Stateful (loans, renewals, holds, routing) so a
/// station's whole session can be checked against what the ILS recorded (`snapshot()`, `events`).
///
/// Many connections are served at once, each strictly in order (one request, one answer), every
/// answer after `responseDelay` ± `jitter` on the connection's event loop (never blocking it).
/// Framing and coding are the project's `SIP2` codec: what the station's client reads is what a
/// real ILS would send.
public final class SimulatedILS: Sendable {
    /// How the simulated ILS behaves; the defaults match the station's embedded ILS.
    public struct Configuration: Sendable {
        /// AO in every answer.
        public var institution: String
        /// AM in the 98 answer.
        public var libraryName: String
        /// The SIP2 login (93 CN/CO) it accepts; anything else gets 940.
        public var login: String
        public var password: String
        /// Requests other than 93, 99 and 97 before a successful login close the connection.
        public var requireLogin: Bool
        /// Time before each answer, like a real ILS's processing and network time.
        public var responseDelay: Duration
        /// Each delay is `responseDelay` plus a uniform value in ±`jitter` (clamped at 0).
        public var jitter: Duration
        /// Seeds the jitter's random numbers: the same seed gives the same sequence of delays.
        public var seed: UInt64
        /// The 98 "offline OK" flag: whether the station may lend while the ILS is away.
        public var offlineAllowed: Bool
        /// Loan period; due dates are 23:59:59 that many days ahead. Renewals add it to the later
        /// of the old due date and today.
        public var loanDays: Int
        /// The branch this ILS session sits in: a checkin of another branch's item routes it there.
        public var currentBranch: String
        /// BH with every fine amount.
        public var currency: String
        /// The wire charset (the station's `sip2.charset` must match).
        public var charset: SIP2Charset
        /// The 98 timeout period (tenths of a second on the wire).
        public var advertisedTimeout: Duration
        /// The 98 "retries allowed".
        public var retriesAllowed: Int
        /// Dates in UTC ("   Z") instead of local time (four blanks, what every ILS sends).
        public var utcDates: Bool
        /// Unix seconds now: due dates and SIP2 dates come from it (tests can move time).
        public var unixNow: @Sendable () -> Int64
        /// Where unsupported messages, refused connections and other oddities are reported.
        public var log: (@Sendable (String) -> Void)?
        /// Events kept (`events`); beyond it the oldest tenth is dropped, so a long-running station stays bounded.
        public var maxEvents: Int

        public init(
            institution: String = "DEMO", libraryName: String = "RFIDGate Demo Library", login: String = "sc_user",
            password: String = "sc_pass", requireLogin: Bool = true, responseDelay: Duration = .milliseconds(80),
            jitter: Duration = .milliseconds(40), seed: UInt64 = 28_560, offlineAllowed: Bool = true, loanDays: Int = 14,
            currentBranch: String = "MAIN", currency: String = "CNY", charset: SIP2Charset = .utf8,
            advertisedTimeout: Duration = .seconds(10), retriesAllowed: Int = 3, utcDates: Bool = false,
            unixNow: @escaping @Sendable () -> Int64 = WallClock.unixNow, log: (@Sendable (String) -> Void)? = nil,
            maxEvents: Int = 100_000
        ) {
            self.institution = institution; self.libraryName = libraryName; self.login = login; self.password = password
            self.requireLogin = requireLogin; self.responseDelay = responseDelay; self.jitter = jitter; self.seed = seed
            self.offlineAllowed = offlineAllowed; self.loanDays = loanDays; self.currentBranch = currentBranch
            self.currency = currency; self.charset = charset; self.advertisedTimeout = advertisedTimeout
            self.retriesAllowed = retriesAllowed; self.utcDates = utcDates; self.unixNow = unixNow; self.log = log
            self.maxEvents = maxEvents
        }
    }

    public var configuration: Configuration { core.configuration }
    /// The loopback address it listens on.
    public let host: String
    /// The TCP port it listens on (the ephemeral one when started with port 0).
    public let port: Int

    private let core: ILSServerCore
    private let serverChannel: Channel

    private init(core: ILSServerCore, serverChannel: Channel, host: String, port: Int) {
        self.core = core; self.serverChannel = serverChannel; self.host = host; self.port = port
    }

    /// Binds and starts serving. `port` 0 takes an ephemeral port (read it from `port`).
    public static func start(
        catalog: SimulatedCatalog = .demo, configuration: Configuration = .init(), host: String = "127.0.0.1", port: Int = 0,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SimulatedILS {
        let core = ILSServerCore(catalog: catalog, configuration: configuration)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ILSConnectionHandler(core: core))
                }
            }
            .bind(host: host, port: port).get()
        guard let bound = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return SimulatedILS(core: core, serverChannel: channel, host: host, port: bound)
    }

    /// Every item's state now, by item id.
    public func snapshot() -> [String: SimulatedItemState] { core.snapshot() }

    /// One item's state now (nil for an id not in the catalog).
    public func item(_ id: String) -> SimulatedItemState? { core.snapshot()[id] }

    /// What happened, in order: each answered request, and connections refused or closed by policy
    /// (the last `maxEvents`).
    public var events: [SimulatedEvent] { core.events }

    /// Connections open now.
    public var openConnections: Int { core.openConnections }

    /// Whether the ILS is up (`setReachable`).
    public var isReachable: Bool { core.isReachable }

    /// false: the ILS goes down: every open connection is closed (answers not yet sent are never
    /// applied) and new ones are accepted and closed at once. true: served again (the port stays).
    public func setReachable(_ up: Bool) { core.setReachable(up) }

    /// Stops listening and closes every connection. Does not shut the event loop group down.
    public func stop() async throws {
        let children = core.shutdown()
        try? await serverChannel.close()
        for c in children { try? await c.closeFuture.get() }
    }
}

/// The server's shared state: the library behind one mutex, the open connections behind another.
final class ILSServerCore: Sendable {
    struct Connections: Sendable {
        var open: [Int: Channel] = [:]
        var nextID = 0
        var reachable = true
        var stopped = false
    }

    struct Library: Sendable {
        var library: ILSLibrary
        var events: [SimulatedEvent] = []
        var maxEvents: Int
        var random: SplitMix64

        /// Appends, dropping the oldest tenth when full: a station running for months stays bounded.
        mutating func append(_ e: SimulatedEvent) {
            if events.count >= maxEvents { events.removeFirst(min(events.count, max(1, maxEvents / 10))) }
            events.append(e)
        }
    }

    /// What the connection does with a frame.
    enum Action {
        case reply([UInt8])
        case close
        case none
    }

    let configuration: SimulatedILS.Configuration
    private let state: Mutex<Library>
    private let connections = Mutex(Connections())

    init(catalog: SimulatedCatalog, configuration: SimulatedILS.Configuration) {
        self.configuration = configuration
        state = Mutex(
            Library(
                library: ILSLibrary(catalog: catalog, configuration: configuration, startUnix: configuration.unixNow()),
                maxEvents: max(1, configuration.maxEvents), random: SplitMix64(seed: configuration.seed)))
    }

    func snapshot() -> [String: SimulatedItemState] { state.withLock { $0.library.snapshot } }
    var events: [SimulatedEvent] { state.withLock { $0.events } }
    var openConnections: Int { connections.withLock { $0.open.count } }
    var isReachable: Bool { connections.withLock { $0.reachable && !$0.stopped } }

    // MARK: connections

    /// A connection's number, or nil when the ILS is down (the caller closes it).
    func register(_ channel: Channel) -> Int? {
        let (id, admitted) = connections.withLock { c -> (Int, Bool) in
            let id = c.nextID
            c.nextID += 1
            guard c.reachable, !c.stopped else { return (id, false) }
            c.open[id] = channel
            return (id, true)
        }
        if !admitted {
            let now = ContinuousClock.now
            record(ILSLibrary.Event(operation: .refusedConnection, ok: false), code: "", connection: id, received: now)
            configuration.log?("simulated ILS is unreachable: connection \(id) closed on accept")
            return nil
        }
        return id
    }

    func unregister(_ id: Int) { _ = connections.withLock { $0.open.removeValue(forKey: id) } }

    func setReachable(_ up: Bool) {
        let toClose = connections.withLock { c -> [Channel] in
            c.reachable = up
            return up ? [] : Array(c.open.values)
        }
        for ch in toClose { ch.close(promise: nil) }
    }

    /// Marks the server stopped and closes every connection; returns them, to await their closing.
    func shutdown() -> [Channel] {
        let all = connections.withLock { c -> [Channel] in
            c.stopped = true; c.reachable = false
            return Array(c.open.values)
        }
        for ch in all { ch.close(promise: nil) }
        return all
    }

    // MARK: requests

    /// The delay before the next answer: responseDelay ± jitter from the seeded generator.
    func nextDelay() -> TimeAmount {
        let base = nanos(configuration.responseDelay), j = nanos(configuration.jitter)
        guard j > 0 else { return .nanoseconds(max(0, base)) }
        let r = state.withLock { $0.random.next() }
        let offset = Int64(r % UInt64(2 * j + 1)) - j
        return .nanoseconds(max(0, base + offset))
    }

    private func record(_ e: ILSLibrary.Event, code: String, connection: Int, received: ContinuousClock.Instant) {
        let event = makeEvent(e, code: code, connection: connection, received: received)
        state.withLock { $0.append(event) }
    }

    private func makeEvent(_ e: ILSLibrary.Event, code: String, connection: Int, received: ContinuousClock.Instant) -> SimulatedEvent {
        SimulatedEvent(
            operation: e.operation, code: code, connection: connection, item: e.item, patron: e.patron, ok: e.ok, cancel: e.cancel,
            noBlock: e.noBlock, renewal: e.renewal, transactionDate: e.transactionDate, dueDate: e.dueDate,
            screenMessage: e.screenMessage, received: received, answered: .now)
    }

    /// One frame of one connection, answered now: 96 for what cannot be read, the last answer
    /// again for 97, nothing (logged) for messages this ILS does not implement, else the library's answer.
    func handle(_ frame: SIP2Framer.Frame, session: inout ILSSession, connection: Int, received: ContinuousClock.Instant) -> Action {
        let decoder = SIP2Decoder(charset: configuration.charset)
        let message: SIP2Message
        do {
            message = try decoder.decode(frame.bytes, truncated: frame.truncated)
        } catch {
            if case .unknownCommand(let code) = error, code.utf8.count == 2, code.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
                return unsupported(code, connection: connection, received: received)
            }
            return requestResend("unreadable frame (\(error))", code: "", connection: connection, received: received)
        }
        if message.truncated {
            return requestResend("frame cut at its size limit", code: message.code, connection: connection, received: received)
        }
        if message.checksum == .invalid {
            return requestResend("bad checksum", code: message.code, connection: connection, received: received)
        }

        // Answer as asked: AY/AZ only when the request had them (error detection on at the SC).
        let detection = message.sequence != nil || message.checksum != .absent
        if message.code == "97" {
            guard let last = session.lastResponse else {
                return requestResend("97 before any answer", code: "97", connection: connection, received: received)
            }
            record(ILSLibrary.Event(operation: .resendLast, ok: true), code: "97", connection: connection, received: received)
            return .reply(last)
        }
        if configuration.requireLogin, !session.loggedIn, message.code != "93", message.code != "99",
            ILSServerCore.implemented.contains(message.code)
        {
            record(ILSLibrary.Event(operation: .notLoggedIn, ok: false), code: message.code, connection: connection, received: received)
            configuration.log?("simulated ILS: \(message.code) before login on connection \(connection): closing it")
            return .close
        }
        let nowUnix = configuration.unixNow()
        let encoder = SIP2Encoder(charset: configuration.charset, errorDetection: detection)
        // The state change and its event under one lock: `events` is in the order things happened.
        let answer = state.withLock { s -> Answer in
            guard let reply = s.library.respond(to: message, nowUnix: nowUnix) else { return .unsupported }
            do {
                let bytes = try encoder.encode(reply.message, sequence: message.sequence ?? 0)
                s.append(makeEvent(reply.event, code: message.code, connection: connection, received: received))
                return .bytes(bytes, ok: reply.event.ok)
            } catch {
                let e = ILSLibrary.Event(operation: .unencodable, item: reply.event.item, patron: reply.event.patron, ok: false)
                s.append(makeEvent(e, code: message.code, connection: connection, received: received))
                return .unencodable("\(reply.message.code): \(error)")
            }
        }
        switch answer {
        case .unsupported:
            return unsupported(message.code, connection: connection, received: received)
        case .unencodable(let why):
            configuration.log?("simulated ILS cannot encode its answer \(why); closing connection \(connection)")
            return .close
        case .bytes(let bytes, let ok):
            if message.code == "93" { session.loggedIn = ok }
            session.lastResponse = bytes
            return .reply(bytes)
        }
    }

    private enum Answer {
        case bytes([UInt8], ok: Bool)
        case unencodable(String)
        case unsupported
    }

    /// The commands the library answers (a request code outside it is unsupported, whatever the codec knows).
    static let implemented: Set<String> = ["93", "99", "23", "63", "17", "19", "11", "09", "29", "35"]

    private func unsupported(_ code: String, connection: Int, received: ContinuousClock.Instant) -> Action {
        configuration.log?("simulated ILS does not implement SIP2 message \(code) (connection \(connection)); not answered")
        record(ILSLibrary.Event(operation: .unsupported, ok: false), code: code, connection: connection, received: received)
        return .none
    }

    private func requestResend(_ why: String, code: String, connection: Int, received: ContinuousClock.Instant) -> Action {
        configuration.log?("simulated ILS asks for a resend (96) on connection \(connection): \(why)")
        record(ILSLibrary.Event(operation: .requestedResend, ok: false), code: code, connection: connection, received: received)
        let encoder = SIP2Encoder(charset: configuration.charset, errorDetection: true)
        return .reply((try? encoder.encode(SIP2Message(code: "96"), sequence: 0)) ?? Array("96\r".utf8))
    }
}

/// Per-connection session: logged in or not, and the last answer (for 97).
struct ILSSession {
    var loggedIn = false
    var lastResponse: [UInt8]?
}

/// One connection: frames in, answers out after the configured delay, strictly one at a time.
/// Frames that arrive while an answer is pending wait in a short queue (a client that pipelines
/// more than `maxQueued` is closed: memory stays bounded).
final class ILSConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxQueued = 64

    private let core: ILSServerCore
    private var id: Int?
    private var framer = SIP2Framer()
    private var queue: [(frame: SIP2Framer.Frame, received: ContinuousClock.Instant)] = []
    private var pending: Scheduled<Void>?
    private var session = ILSSession()
    private var context: ChannelHandlerContext?

    init(core: ILSServerCore) { self.core = core }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        cancelPending()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let id = core.register(context.channel) else {
            context.close(promise: nil)
            return
        }
        self.id = id
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelPending()
        if let id { core.unregister(id) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard id != nil else { return }
        let buf = unwrapInboundIn(data)
        let frames = buf.withUnsafeReadableBytes { framer.append($0) }
        let now = ContinuousClock.now
        for f in frames where !(f.bytes.isEmpty && !f.truncated) {
            guard queue.count < ILSConnectionHandler.maxQueued else {
                core.configuration.log?("simulated ILS: more than \(ILSConnectionHandler.maxQueued) requests queued; closing")
                context.close(promise: nil)
                return
            }
            queue.append((f, now))
        }
        startNext()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func cancelPending() {
        pending?.cancel()
        pending = nil
        queue.removeAll()
    }

    /// Schedules the answer to the oldest waiting frame, unless one is already scheduled.
    private func startNext() {
        guard pending == nil, !queue.isEmpty, let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        pending = context.eventLoop.scheduleTask(in: core.nextDelay()) { bound.value.answerNext() }
    }

    private func answerNext() {
        pending = nil
        guard let context, let id, context.channel.isActive, !queue.isEmpty else { return }
        let (frame, received) = queue.removeFirst()
        switch core.handle(frame, session: &session, connection: id, received: received) {
        case .reply(let bytes):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .close:
            context.close(promise: nil)
            return
        case .none:
            break
        }
        startNext()
    }
}

/// SplitMix64: a tiny seedable generator, so the jitter is the same on every run.
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func nanos(_ d: Duration) -> Int64 {
    let (s, a) = d.components
    return s * 1_000_000_000 + a / 1_000_000_000
}
