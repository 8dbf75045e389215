import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS
import SIP2

/// Frames received on one connection, waiting for the client to take them. Filled by the channel
/// handler on the event loop, drained by the client with a deadline (never "wait for CR" forever).
final class FrameMailbox: @unchecked Sendable {
    enum Event: Sendable { case frame(SIP2Framer.Frame), closed, timeout }

    private let lock = NIOLock()
    /// Frames with their arrival time: an answer that arrived after its request's deadline is late
    /// even if the client only looks at it afterwards (a starved task must not turn late into on time).
    private var frames: [(frame: SIP2Framer.Frame, arrived: NIODeadline)] = []
    private var closed = false
    private var waiter: (token: UInt64, continuation: CheckedContinuation<Event, Never>, timer: Scheduled<Void>?, deadline: NIODeadline)?
    private var nextToken: UInt64 = 0
    /// Bytes received that never formed a frame (e.g. invenio's "None" without CR), for logs.
    private(set) var strayBytes: [UInt8] = []

    func push(_ f: SIP2Framer.Frame) { deliver(.frame(f)) }
    func close() { deliver(.closed) }
    func noteStray(_ b: [UInt8]) { lock.withLock { strayBytes = Array(b.suffix(256)) } }
    /// Why TLS failed (handshake, certificate), so the client can say so instead of "closed".
    private var _tlsError: String?
    var tlsError: String? { lock.withLock { _tlsError } }
    func noteTLSError(_ e: String) { lock.withLock { _tlsError = e } }

    private func deliver(_ e: Event) {
        let w: (CheckedContinuation<Event, Never>, Scheduled<Void>?, Event)? = lock.withLock {
            var event = e
            if case .closed = e { closed = true } else if case .frame(let f) = e {
                let now = NIODeadline.now()
                guard let w = waiter else { frames.append((f, now)); return nil }
                // Past the deadline (the timer has not run yet): late, not an answer.
                if now > w.deadline { frames.append((f, now)); event = .timeout }
            }
            guard let w = waiter else { return nil }
            waiter = nil
            return (w.continuation, w.timer, event)
        }
        if let w { w.1?.cancel(); w.0.resume(returning: w.2) }
    }

    /// Takes whatever frames are queued now (unsolicited or late ones, before a new request).
    func drain() -> [SIP2Framer.Frame] { lock.withLock { defer { frames = [] }; return frames.map(\.frame) } }

    /// The next frame that arrived by `deadline`, `.closed` when the connection ended, or `.timeout`.
    func next(deadline: NIODeadline, on loop: EventLoop) async -> Event {
        await withCheckedContinuation { (c: CheckedContinuation<Event, Never>) in
            let immediate: Event? = lock.withLock {
                if let first = frames.first {
                    if first.arrived > deadline { return .timeout }
                    return .frame(frames.removeFirst().frame)
                }
                if closed { return .closed }
                if NIODeadline.now() >= deadline { return .timeout }
                nextToken &+= 1
                let token = nextToken
                waiter = (token, c, nil, deadline)
                let timer = loop.scheduleTask(deadline: deadline) { [weak self] () -> Void in self?.fire(token) }
                waiter?.timer = timer
                return nil
            }
            if let immediate { c.resume(returning: immediate) }
        }
    }

    private func fire(_ token: UInt64) {
        let c: CheckedContinuation<Event, Never>? = lock.withLock {
            guard let w = waiter, w.token == token else { return nil }
            waiter = nil
            return w.continuation
        }
        c?.resume(returning: .timeout)
    }
}

/// Cuts inbound bytes into frames (CR, tolerant of CRLF and split/coalesced reads).
final class SIP2FrameHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var framer: SIP2Framer
    private let mailbox: FrameMailbox
    /// Completed when the TLS handshake finished (nil for plain TCP).
    private var handshake: EventLoopPromise<Void>?

    init(mailbox: FrameMailbox, maxFrameBytes: Int, handshake: EventLoopPromise<Void>? = nil) {
        self.mailbox = mailbox
        self.handshake = handshake
        framer = SIP2Framer(maxFrameBytes: maxFrameBytes)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? TLSUserEvent, case .handshakeCompleted = e {
            handshake?.succeed()
            handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buf = unwrapInboundIn(data)
        let frames = buf.withUnsafeReadableBytes { framer.append($0) }
        for f in frames { mailbox.push(f) }
        if !framer.pending.isEmpty { mailbox.noteStray(framer.pending) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake?.fail(ChannelError.ioOnClosedChannel)
        handshake = nil
        mailbox.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { mailbox.noteTLSError("\(error)") }
        handshake?.fail(error)
        handshake = nil
        mailbox.close()
        context.close(promise: nil)
    }
}
