import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Debian's stunnel4 in front of a peer, as libraries put stunnel in front of their ILS's SIP2
/// port (FOLIO, Sierra, Koha deployments). `.ci/run` installs it.
final class Stunnel: @unchecked Sendable {
    static let binary = ["/usr/bin/stunnel4", "/usr/bin/stunnel"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let port: Int
    private let process: Process

    init(certificate: String, key: String, upstreamPort: Int) throws {
        guard let binary = Self.binary else { throw PeerError("stunnel4 not installed (apt-get install stunnel4)") }
        port = try freePort()
        let conf = FileManager.default.temporaryDirectory.appendingPathComponent("stunnel-\(UUID().uuidString).conf").path
        try """
        foreground = yes
        pid =
        [sip2-tls]
        accept = 127.0.0.1:\(port)
        connect = 127.0.0.1:\(upstreamPort)
        cert = \(certificate)
        key = \(key)
        """.write(toFile: conf, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [conf]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !canConnect(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw PeerError("stunnel did not start listening on 127.0.0.1:\(port)")
            }
            usleep(20_000)
        }
    }

    func stop() {
        // SIGKILL: a test rig with nothing to flush (stunnel4 may sit on SIGTERM while a client hangs on).
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    deinit { stop() }
}

/// A throwaway PKI: a CA, a server certificate for "localhost" signed by it, and an unrelated CA.
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
        try FileManager.default.createFile(
            atPath: dir.appendingPathComponent("ext.cnf").path,
            contents: Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n".utf8))
        for args in [
            ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=RFIDGate test CA"],
            ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Someone else's CA"],
            ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days",
                "2", "-extfile", "ext.cnf",
            ],
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
