import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The test rig's stand-in for stunnel: terminates TLS on loopback and forwards the bytes to a
/// plain SIP2 server (the invenio peer), as "stunnel in front of the ACS" deployments do.
final class TLSProxy: Sendable {
    let port: Int
    let channel: Channel

    private init(port: Int, channel: Channel) { self.port = port; self.channel = channel }

    static func start(certificate: String, key: String, upstreamPort: Int) async throws -> TLSProxy {
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        let context = try NIOSSLContext(configuration: tls)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                }.flatMap {
                    ClientBootstrap(group: child.eventLoop).connect(host: "127.0.0.1", port: upstreamPort)
                }.flatMapThrowing { upstream in
                    let (a, b) = GlueHandler.matchedPair()
                    try child.pipeline.syncOperations.addHandler(a)
                    try upstream.pipeline.syncOperations.addHandler(b)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TLSProxy(port: server.localAddress!.port!, channel: server)
    }

    func stop() { channel.close(promise: nil) }
}

/// Passes bytes between two channels on the same event loop (swift-nio-examples' glue pattern).
final class GlueHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny
    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let a = GlueHandler(), b = GlueHandler()
        a.partner = b; b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil; partner = nil }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.context?.write(data, promise: nil) }
    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }
    func channelInactive(context: ChannelHandlerContext) { partner?.context?.close(promise: nil) }
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

/// A throwaway CA, a server certificate for "localhost" signed by it, and an unrelated CA.
/// No IP SAN: NIOSSL also accepts a certificate whose IP SAN matches the connected address,
/// whatever name was asked for, which would hide the wrong-hostname case.
struct TestPKI {
    let dir: URL
    var ca: String { dir.appendingPathComponent("ca.pem").path }
    var otherCA: String { dir.appendingPathComponent("other-ca.pem").path }
    var cert: String { dir.appendingPathComponent("server.pem").path }
    var key: String { dir.appendingPathComponent("server.key").path }

    static func make() throws -> TestPKI {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sip2-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try FileManager.default.createFile(atPath: dir.appendingPathComponent("ext.cnf").path,
                                           contents: Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n".utf8))
        for args in [
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=RFIDGate test CA"],
            ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Someone else's CA"],
            ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"],
        ] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = args
            p.currentDirectoryURL = dir
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw PeerError("openssl \(args.joined(separator: " ")) failed") }
        }
        return TestPKI(dir: dir)
    }
}
