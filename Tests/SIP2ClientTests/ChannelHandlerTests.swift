import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SIP2
import Testing

@testable import SIP2Client

/// The NIO edge on an `EmbeddedChannel`: bytes in, frames out, the timer on the embedded clock.
struct ChannelHandlerTests {
    let config = SIP2ClientConfiguration(host: "ils", port: 6001, login: "u", password: "p", institution: "I", maxFrameBytes: 256)
    let encoder = SIP2Encoder(charset: .utf8, errorDetection: true)

    /// A channel with the handler, and the handler (for its counters).
    func channel() throws -> (EmbeddedChannel, SIP2ChannelHandler) {
        let h = SIP2ChannelHandler(configuration: config, logger: Logger(label: "test"), trace: nil)
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addHandler(h)
        try ch.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        return (ch, h)
    }

    /// Sends a login through the channel; returns a box that gets the outcome.
    func request(_ ch: EmbeddedChannel, timeout: TimeAmount = .seconds(10)) throws -> NIOLockedValueBox<Result<SIP2ExchangeAnswer, Error>?>
    {
        let box = NIOLockedValueBox<Result<SIP2ExchangeAnswer, Error>?>(nil)
        let p = ch.eventLoop.makePromise(of: SIP2ExchangeAnswer.self)
        p.futureResult.whenComplete { r in box.withLockedValue { $0 = r } }
        try ch.writeOutbound(
            SIP2ExchangeRequest(
                message: LoginRequest(user: "u", password: "p").message, expecting: "94",
                timeout: timeout, resendLimit: 2, promise: p))
        return box
    }

    func sent(_ ch: EmbeddedChannel) throws -> String? {
        try ch.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
    }

    func bytes(_ s: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: s) }

    @Test func answerSplitAcrossReadsCompletesThePromise() throws {
        let (ch, _) = try channel()
        let box = try request(ch)
        #expect(try sent(ch)?.hasPrefix("9300CNu|COp|AY0AZ") == true)
        let answer = try encoder.encode(SIP2Message(code: "94", fixed: "1"), sequence: 0)
        try ch.writeInbound(bytes(Array(answer.prefix(4))))
        #expect(box.withLockedValue { $0 } == nil)
        try ch.writeInbound(bytes(Array(answer.dropFirst(4)) + [0x0A]))  // CRLF
        let r = try #require(box.withLockedValue { $0 })
        let a = try r.get()
        #expect(a.message.code == "94" && a.framesSent == 1)
    }

    @Test func resend96WritesTheSameFrame() throws {
        let (ch, _) = try channel()
        let box = try request(ch)
        let first = try sent(ch)
        try ch.writeInbound(bytes(try encoder.encode(SIP2Message(code: "96"), sequence: 0)))
        #expect(try sent(ch) == first)
        try ch.writeInbound(bytes(try encoder.encode(SIP2Message(code: "94", fixed: "1"), sequence: 0)))
        #expect(try box.withLockedValue { $0 }?.get().framesSent == 2)
    }

    @Test func timeoutFailsThePromiseAndClosesTheChannel() throws {
        let (ch, _) = try channel()
        let box = try request(ch, timeout: .seconds(2))
        _ = try sent(ch)
        ch.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(box.withLockedValue { $0 } == nil)
        ch.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let r = try #require(box.withLockedValue { $0 })
        #expect(throws: SIP2ClientError.timeout(command: "93", seconds: 2)) { try r.get() }
        #expect(!ch.isActive)
    }

    @Test func peerClosingMidRequestIsAnUnknownOutcome() throws {
        let (ch, _) = try channel()
        let box = try request(ch)
        _ = try sent(ch)
        ch.pipeline.fireChannelInactive()
        let r = try #require(box.withLockedValue { $0 })
        #expect(throws: SIP2ClientError.connectionClosed(command: "93", sent: true)) { try r.get() }
    }

    /// A peer flooding frames between requests: they are counted and dropped, none is kept, and the
    /// next request still gets its own answer.
    @Test func floodBetweenRequestsIsNotBuffered() throws {
        let (ch, h) = try channel()
        let junk = try encoder.encode(SIP2Message(code: "94", fixed: "1"), sequence: 0)
        var chunk: [UInt8] = []
        for _ in 0..<1000 { chunk += junk }
        for _ in 0..<50 { try ch.writeInbound(bytes(chunk)) }
        // An endless frame with no CR is cut at maxFrameBytes by the framer.
        for _ in 0..<100 { try ch.writeInbound(bytes([UInt8](repeating: 0x41, count: 1000))) }
        try ch.writeInbound(bytes([0x0D]))
        #expect(h.discardedUnsolicited == 50_001)
        let box = try request(ch)
        _ = try sent(ch)
        #expect(box.withLockedValue { $0 } == nil, "no queued frame answered the new request")
        try ch.writeInbound(bytes(junk))
        #expect(try box.withLockedValue { $0 }?.get().message.code == "94")
        _ = try? ch.finish()
    }
}
