import Logging
import NIOCore
import NIOSSL
import NIOTLS
import SIP2

/// One request handed to the channel: the handler writes it, resends it, times it out and
/// completes `promise` with the answer or a `SIP2ClientError`.
struct SIP2ExchangeRequest: Sendable {
    var message: SIP2Message
    var expecting: String
    var timeout: TimeAmount
    var resendLimit: Int
    var promise: EventLoopPromise<SIP2ExchangeAnswer>
}

struct SIP2ExchangeAnswer: Sendable {
    var message: SIP2Message
    /// Frames written for this request, resends included.
    var framesSent: Int
}

/// The thin NIO edge of the client: cuts bytes into frames (CR, tolerant of CRLF and split or
/// coalesced reads), feeds them and the timer to `SIP2ExchangeStateMachine` and carries out what
/// it says. Nothing is queued between requests, so memory stays bounded whatever the peer sends.
final class SIP2ChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SIP2ExchangeRequest
    typealias OutboundOut = ByteBuffer

    private var framer: SIP2Framer
    private var machine: SIP2ExchangeStateMachine
    private var promise: EventLoopPromise<SIP2ExchangeAnswer>?
    private var framesAtStart = 0
    private var timer: Scheduled<Void>?
    private var armedDeadline: UInt64?
    private var context: ChannelHandlerContext?
    /// Completed when the TLS handshake finished (nil for plain TCP).
    private var handshake: EventLoopPromise<Void>?
    /// Why TLS failed (handshake, certificate), so the error can say so instead of "closed".
    private var tlsError: String?
    private let endpoint: String
    private let logger: Logger
    private let trace: SIP2Client.Trace?

    /// Frames discarded outside a request since the connection opened (the flood test reads it).
    var discardedUnsolicited: Int { machine.discardedUnsolicited }

    init(
        configuration c: SIP2ClientConfiguration, logger: Logger, trace: SIP2Client.Trace?,
        handshake: EventLoopPromise<Void>? = nil
    ) {
        framer = SIP2Framer(maxFrameBytes: c.maxFrameBytes)
        machine = SIP2ExchangeStateMachine(charset: c.charset, errorDetection: c.errorDetection)
        endpoint = "\(c.host):\(c.port)"
        self.logger = logger
        self.trace = trace
        self.handshake = handshake
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        perform(machine.connectionClosed(tlsError: tlsError, endpoint: endpoint), closeOnFail: false)
    }

    private var now: UInt64 { context?.eventLoop.now.uptimeNanoseconds ?? NIODeadline.now().uptimeNanoseconds }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let r = unwrapOutboundIn(data)
        writePromise?.succeed()  // accepted; the outcome travels in r.promise
        guard machine.isIdle, self.promise == nil else {
            r.promise.fail(SIP2ClientError.unexpectedResponse(command: r.message.code, got: "a request already in flight"))
            return
        }
        promise = r.promise
        framesAtStart = machine.framesSent
        let timeout = UInt64(max(0, r.timeout.nanoseconds))
        perform(machine.start(r.message, expecting: r.expecting, timeoutNanos: timeout, resendLimit: r.resendLimit, now: now))
    }

    private func write(_ bytes: [UInt8]) {
        guard let context else { return }
        trace?(.sent, bytes)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: written)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        written.futureResult.whenFailure { error in
            let handler = bound.value
            if Self.isTLS(error) { handler.tlsError = "\(error)" }
            handler.perform(handler.machine.writeFailed(tlsError: handler.tlsError, endpoint: handler.endpoint))
        }
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buf = unwrapInboundIn(data)
        let frames = buf.withUnsafeReadableBytes { framer.append($0) }
        for f in frames {
            trace?(.received, f.bytes)
            perform(machine.received(f, now: now), frame: f.bytes)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? TLSUserEvent, case .handshakeCompleted = e {
            handshake?.succeed()
            handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake?.fail(ChannelError.ioOnClosedChannel)
        handshake = nil
        perform(machine.connectionClosed(tlsError: tlsError, endpoint: endpoint), closeOnFail: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if Self.isTLS(error) { tlsError = "\(error)" }
        handshake?.fail(error)
        handshake = nil
        context.close(promise: nil)
    }

    // MARK: actions

    private func perform(_ action: SIP2ExchangeStateMachine.Action, frame: [UInt8] = [], closeOnFail: Bool = true) {
        switch action {
        case .send(let bytes):
            write(bytes)
        case .resend(let bytes, let note):
            logger.notice("\(note)")
            write(bytes)
        case .answer(let m, let note):
            if let note { logger.warning("\(note)") }
            complete { $0.succeed(SIP2ExchangeAnswer(message: m, framesSent: machine.framesSent - framesAtStart)) }
        case .discard(let reason):
            // A flood must not become a flood of log lines: 1st, 10th, 100th... unsolicited frame.
            let n = machine.discardedUnsolicited
            if !machine.isIdle || n == 1 || Self.isPowerOfTen(n) {
                logger.warning(
                    "discarding \(reason)\(machine.isIdle ? " (\(n) so far)" : "")",
                    metadata: ["frame": "\(printable(SIP2Redaction.redacted(frame)))"])
            }
        case .fail(let e):
            complete { $0.fail(e) }
            if closeOnFail { context?.close(promise: nil) }
        case .none:
            break
        }
        rearm()
    }

    private func complete(_ body: (EventLoopPromise<SIP2ExchangeAnswer>) -> Void) {
        guard let p = promise else { return }
        promise = nil
        body(p)
    }

    /// Keeps one timer armed for the machine's deadline (none when idle).
    private func rearm() {
        guard machine.deadline != armedDeadline else { return }
        timer?.cancel()
        timer = nil
        armedDeadline = machine.deadline
        guard let d = machine.deadline, let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: .uptimeNanoseconds(d)) {
            let handler = bound.value
            handler.armedDeadline = nil
            handler.perform(handler.machine.timerFired(now: handler.now))
        }
    }

    private static func isTLS(_ error: Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }

    private static func isPowerOfTen(_ n: Int) -> Bool {
        var n = n
        while n >= 10 && n % 10 == 0 { n /= 10 }
        return n == 1
    }
}
