import Foundation
import GRDB
import SIP2
import Testing

@testable import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

enum CtlBinary {
    /// rfidgatectl next to the test bundle (SwiftPM puts all products in one directory).
    static let path: String? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        let p = dir.appendingPathComponent("rfidgatectl").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }()
}

enum DaemonBinary {
    /// rfidgated next to the test bundle.
    static let path: String? = {
        guard let ctl = CtlBinary.path else { return nil }
        let p = URL(fileURLWithPath: ctl).deletingLastPathComponent().appendingPathComponent("rfidgated").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }()

    /// A daemon configuration: the simulated gate (small collection), the store at `db`, and
    /// `[sip2]` pointing at `peerPort` with a 1 s sync interval.
    static func config(db: String, peerPort: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgated-sync-\(UUID().uuidString).toml").path
        try """
        [cache]
        path = "\(db)"
        [simulation]
        population = 200
        [sip2]
        server = "127.0.0.1:\(peerPort)"
        login = "sc_user"
        password = "sc_pass"
        institution = "DEMO"
        sync_interval_s = 1
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func start(_ args: [String], output: Any = FileHandle.nullDevice) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(path, "rfidgated not built"))
        p.arguments = args
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}

extension SIP2PeerSuites {
    /// The kill -9 test: the daemon (`rfidgated` with `[sip2]` configured) replays 1,000 queued
    /// loans to the invenio peer and is SIGKILLed at random points at least 20 times; after the
    /// last run every loan reached the peer ILS exactly once (its own counters: a second checkout
    /// of a charged item would count as a renewal).
    @Suite
    struct KillReplayTests {
        @Test func daemonKilledAtRandomPointsLosesAndDuplicatesNothing() async throws {
            // All of it blocks (process waits, sleeps): keep it off the cooperative pool.
            try await offPool { try Self.run() }
        }

        static func run() throws {
            let peer = try Peer(.invenio)
            let (store, path) = try tempOutbox()
            // Loans are queued in batches: whenever the daemon drains the queue before the test
            // has its 20 mid-replay kills (a fast machine), another batch is queued, so the kill
            // count never depends on the machine's speed.
            let batch = 1000
            var items: [String] = []
            func enqueueBatch() throws {
                for _ in 0..<batch {
                    let i = items.count
                    items.append("BK\(i)")
                    try store.enqueue(newEntry("loan-\(i)", patron: "Q\(i % 50)", item: "BK\(i)", at: 1_735_725_600 + Int64(i)))
                }
            }
            try enqueueBatch()
            let config = try DaemonBinary.config(db: path, peerPort: peer.port)
            var kills = 0, runs = 0, killsMidReplay = 0
            var rng = SystemRandomNumberGenerator()
            while killsMidReplay < 20 {
                runs += 1
                #expect(runs < 200, "replay does not converge")
                if runs >= 200 { break }
                if try store.status().backlog == 0 { try enqueueBatch() }
                let before = try store.status().backlog
                let p = try DaemonBinary.start(["--config", config])
                // A random point of the replay: wait (on the store, not the clock) until a random
                // share of this run's backlog has reached the peer, then kill at once.
                let target = Int.random(in: 1...max(1, before / 2), using: &rng)
                let deadline = Date().addingTimeInterval(60)
                while try before - store.status().backlog < target, p.isRunning, Date() < deadline { usleep(2_000) }
                kill(p.processIdentifier, SIGKILL)
                kills += 1
                p.waitUntilExit()
                let after = try store.status().backlog
                // A kill counts when the replay was under way: some loans went through, some are left.
                if after < before && after > 0 { killsMidReplay += 1 }
            }
            // The last run: let the daemon drain the queue, then stop it as systemd would.
            let p = try DaemonBinary.start(["--config", config])
            let deadline = Date().addingTimeInterval(120)
            while try store.status().backlog > 0 && Date() < deadline { usleep(20_000) }
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let loans = items.count
            #expect(killsMidReplay >= 20)
            let s = try store.status()
            #expect(s.backlog == 0 && s.done == loans && s.deadLetters == 0)
            let st = try peer.state().items
            var lost = 0, duplicated = 0
            for item in items {
                let c = st[item]?["checkouts"] as? Int ?? 0, r = st[item]?["renewals"] as? Int ?? 0
                if c == 0 { lost += 1 }
                if c + r > 1 { duplicated += 1 }
            }
            #expect(lost == 0 && duplicated == 0, "lost \(lost), duplicated \(duplicated) after \(kills) kills in \(runs) runs")
            let viaItemInformation =
                try DatabaseQueue(path: path).read {
                    try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sip2_outbox WHERE resolution LIKE 'item information%'")
                } ?? 0
            print(
                "kill -9 test (rfidgated): \(kills) kills (\(killsMidReplay) mid-replay), \(runs) runs, \(loans) loans, lost \(lost), duplicated \(duplicated), \(viaItemInformation) resolved by item information after a kill"
            )
        }
    }
}
