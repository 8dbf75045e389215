import Foundation
import SIP2
import Testing

@testable import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

extension SIP2PeerSuites {
    /// No password or PIN ever appears in output or logs. The peer ILS takes a password and a PIN
    /// made for this test (so finding them anywhere means a leak, not a coincidence); the daemon
    /// and rfidgatectl run every path that handles them — logins that work and that fail, raw
    /// frames, patron checks with a PIN, the credential, the password file, the environment —
    /// and everything they print on stdout and stderr is searched.
    @Suite struct SecretGrepTests {
        static func run(_ binary: String, _ args: [String], environment extra: [String: String] = [:]) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = args
            var env = ProcessInfo.processInfo.environment
            env.merge(extra) { $1 }
            p.environment = env
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            // Both pipes drained at once: a full stderr pipe must not stall the child.
            let errData = Locked(Data())
            let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
            t.start()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            while !t.isFinished { usleep(1_000) }
            return String(decoding: o, as: UTF8.self) + "\n" + String(decoding: errData.get(), as: UTF8.self)
        }

        final class Locked<T>: @unchecked Sendable {
            private let lock = NSLock()
            private var value: T
            init(_ v: T) { value = v }
            func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
            func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
        }

        @Test func passwordsAndPINsNeverAppearInOutputOrLogs() async throws {
            try await offPool {
                let secret = "Zq7-\(UUID().uuidString.prefix(8))-pw"
                let wrong = "Wr0ng-\(UUID().uuidString.prefix(8))-pw"
                let pin = "\(Int.random(in: 100_000_000...999_999_999))"
                let peer = try Peer(.invenio, environment: ["SIP2PEER_SC_PASSWORD": secret, "SIP2PEER_P0001_PIN": pin])
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("secret-grep-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir.appendingPathComponent("creds"), withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                try secret.write(to: dir.appendingPathComponent("creds/sip2-password"), atomically: true, encoding: .utf8)
                let passwordFile = dir.appendingPathComponent("pw").path
                try "\(secret)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
                let wrongFile = dir.appendingPathComponent("wrong").path
                try wrong.write(toFile: wrongFile, atomically: true, encoding: .utf8)

                let (store, db) = try tempOutbox()
                for i in 0..<3 { try store.enqueue(newEntry("sg-\(i)", patron: "P0001", item: "BSG\(i)")) }
                let config = dir.appendingPathComponent("rfidgate.toml").path
                try """
                [cache]
                path = "\(db)"
                [simulation]
                population = 200
                [sip2]
                server = "127.0.0.1:\(peer.port)"
                login = "sc_user"
                institution = "DEMO"
                sync_interval_s = 1
                """.write(toFile: config, atomically: true, encoding: .utf8)
                let daemon = try #require(DaemonBinary.path), ctl = try #require(CtlBinary.path)
                var everything = ""

                // The daemon with the password as a systemd credential: it logs in and replays.
                everything += try Self.run(
                    daemon, ["--config", config, "--duration", "4", "--summary-json"],
                    environment: ["CREDENTIALS_DIRECTORY": dir.appendingPathComponent("creds").path])
                #expect(try store.status().done == 3, "the credential's password logged in and the loans were replayed")
                // The daemon with a wrong password inline in a world-readable file: refused login, warnings.
                let inline = dir.appendingPathComponent("inline.toml").path
                try (try String(contentsOfFile: config, encoding: .utf8) + "\npassword = \"\(wrong)\"\n").write(
                    toFile: inline, atomically: true, encoding: .utf8)
                chmod(inline, 0o644)
                try store.enqueue(newEntry("sg-refused", patron: "P0001", item: "BSG9"))
                let refusedRun = try Self.run(daemon, ["--config", inline, "--duration", "3"])
                #expect(refusedRun.contains("every user can read it"))
                #expect(
                    refusedRun.contains("refused the SIP2 login") || refusedRun.contains("loginRefused") || refusedRun.contains("login"))
                everything += refusedRun

                // rfidgatectl: each way to give the password, raw frames, a PIN right and wrong.
                let conn = ["--server", "127.0.0.1:\(peer.port)", "--login", "sc_user", "--institution", "DEMO", "--config", config]
                everything += try Self.run(ctl, ["sip2"] + conn + ["--password-file", passwordFile, "--raw", "--json", "ping"])
                everything += try Self.run(
                    ctl, ["sip2"] + conn + ["--raw", "--json", "patron", "P0001", "--pin", pin],
                    environment: ["RFIDGATE_SIP2_PASSWORD": secret])
                let patron = try Self.run(
                    ctl, ["sip2"] + conn + ["--password-file", passwordFile, "--raw", "--json", "patron", "P0001", "--pin", pin + "0"])
                #expect(patron.contains("\"valid_pin\":false"))
                everything += patron
                let refused = try Self.run(ctl, ["sip2"] + conn + ["--password-file", wrongFile, "--raw", "ping"])
                #expect(refused.contains("refused the SIP2 login"))
                everything += refused
                everything += try Self.run(ctl, ["sync", "status", "--config", config])

                #expect(everything.contains("CO****"), "the raw frames were shown, masked")
                for (name, value) in [("password", secret), ("wrong password", wrong), ("PIN", pin)] {
                    #expect(!everything.contains(value), "the \(name) appeared in the output or the logs")
                }
            }
        }
    }
}
