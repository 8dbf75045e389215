import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIP2

/// One TCP (or TLS) connection to the ACS, with `SIP2ChannelHandler` at the end of its pipeline.
/// No protocol logic here: the handler runs the exchange state machine, `SIP2Client` does login.
final class SIP2Connection: Sendable {
    let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    static func connect(
        _ c: SIP2ClientConfiguration, group: EventLoopGroup, logger: Logger,
        trace: SIP2Client.Trace?
    ) async throws(SIP2ClientError) -> SIP2Connection {
        let endpoint = "\(c.host):\(c.port)"
        var sslContext: NIOSSLContext?
        if let tls = c.tls {
            do {
                var t = TLSConfiguration.makeClientConfiguration()
                t.minimumTLSVersion = .tlsv12
                t.certificateVerification = .fullVerification
                if let ca = tls.caFile { t.trustRoots = .file(ca) }
                if let cert = tls.certificateFile, let key = tls.keyFile {
                    t.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                    t.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                }
                sslContext = try NIOSSLContext(configuration: t)
            } catch {
                throw .tlsFailed(endpoint: endpoint, reason: "\(error)")
            }
        }
        let serverName = c.tls?.serverName ?? c.host
        let handshake: EventLoopPromise<Void>? = sslContext == nil ? nil : group.any().makePromise()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(c.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [sslContext] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let h = try NIOSSLClientHandler(context: sslContext, serverHostname: isIPAddress(serverName) ? nil : serverName)
                        try channel.pipeline.syncOperations.addHandler(h)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        SIP2ChannelHandler(configuration: c, logger: logger, trace: trace, handshake: handshake))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: c.host, port: c.port).get()
        } catch {
            handshake?.fail(error)
            throw .connectFailed(endpoint: endpoint, reason: "\(error)")
        }
        if let handshake {
            // Certificate and name problems show up here, as TLS errors, not as a closed connection.
            let timer = channel.eventLoop.scheduleTask(in: TimeAmount(c.connectTimeout)) {
                handshake.fail(ChannelError.connectTimeout(TimeAmount(c.connectTimeout)))
            }
            do {
                try await handshake.futureResult.get()
                timer.cancel()
            } catch {
                timer.cancel()
                channel.close(promise: nil)
                throw .tlsFailed(endpoint: endpoint, reason: "\(error)")
            }
        }
        return SIP2Connection(channel: channel)
    }

    /// One exchange through the handler: the answer, or why there is none.
    func exchange(
        _ message: SIP2Message, expecting code: String, timeout: Duration,
        resendLimit: Int
    ) async throws(SIP2ClientError) -> SIP2ExchangeAnswer {
        let answer = channel.eventLoop.makePromise(of: SIP2ExchangeAnswer.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        // A closed channel never reaches the handler: the write fails and nothing went out.
        written.futureResult.whenFailure { _ in answer.fail(SIP2ClientError.connectionClosed(command: message.code, sent: false)) }
        channel.writeAndFlush(
            SIP2ExchangeRequest(
                message: message, expecting: code, timeout: TimeAmount(timeout),
                resendLimit: resendLimit, promise: answer), promise: written)
        do { return try await answer.futureResult.get() } catch let e as SIP2ClientError { throw e } catch {
            throw .connectionClosed(command: message.code, sent: true)
        }
    }

    func close() { channel.close(promise: nil) }

    var isActive: Bool { channel.isActive }
}

func isIPAddress(_ s: String) -> Bool {
    s.contains(":") || (!s.isEmpty && s.allSatisfy { $0 == "." || $0.isNumber })
}

extension TimeAmount {
    init(_ d: Duration) {
        let (s, a) = d.components
        self = .nanoseconds(s * 1_000_000_000 + a / 1_000_000_000)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
