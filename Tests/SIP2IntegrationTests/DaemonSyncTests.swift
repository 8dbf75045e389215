import Foundation
import SIP2
import Testing

@testable import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

extension SIP2PeerSuites {
    /// rfidgated itself replays the outbox when `[sip2] server` is set: queued loans reach the
    /// peer ILS once each, a refusal becomes a dead letter with a staff alert on the console, and
    /// an unreachable ILS leaves the queue intact.
    @Suite
    struct DaemonSyncTests {
        /// Runs the daemon for `seconds` and returns its stdout and the summary's JSON object.
        static func runDaemon(config: String, seconds: Int) throws -> (out: String, summary: [String: Any]) {
            let pipe = Pipe()
            let p = try DaemonBinary.start(["--config", config, "--duration", "\(seconds)", "--summary-json"], output: pipe)
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let out = String(decoding: data, as: UTF8.self)
            let last = out.split(separator: "\n").last.map(String.init) ?? ""
            let summary = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] ?? [:]
            return (out, summary)
        }

        @Test func daemonReplaysQueuedLoansAndDeadLettersARefusal() async throws {
            try await offPool {
                let peer = try Peer(.invenio)
                let (store, path) = try tempOutbox()
                let items = (0..<30).map { "BDS\($0)" }  // "B…": the peer ILS makes bulk items on demand
                for (i, item) in items.enumerated() { try store.enqueue(newEntry("ds-\(i)", patron: "Q7", item: item)) }
                try store.enqueue(newEntry("ds-lost", patron: "Q7", item: "I0004"))  // the peer refuses: lost item
                let (out, summary) = try Self.runDaemon(config: try DaemonBinary.config(db: path, peerPort: peer.port), seconds: 4)
                #expect(summary["sync_replayed"] as? Int == 30)
                #expect(summary["sync_dead_letters"] as? Int == 1)
                #expect(summary["sync_backlog"] as? Int == 0)
                #expect(out.contains("SYNC DEAD LETTER  #31 checkout item I0004"))
                let st = try peer.state().items
                #expect(items.allSatisfy { st[$0]?["checkouts"] as? Int == 1 })
                let s = try store.status()
                #expect(s.backlog == 0 && s.done == 30 && s.deadLetters == 1)
            }
        }

        @Test func unreachableILSKeepsTheQueueAndTheGateRunning() async throws {
            try await offPool {
                let (store, path) = try tempOutbox()
                for i in 0..<5 { try store.enqueue(newEntry("off-\(i)", item: "OFF\(i)")) }
                let (_, summary) = try Self.runDaemon(config: try DaemonBinary.config(db: path, peerPort: try freePort()), seconds: 3)
                #expect(summary["sync_replayed"] as? Int == 0 && summary["sync_backlog"] as? Int == 5)
                #expect((summary["reads"] as? Int ?? 0) > 0, "the gate kept reading while the ILS was away")
                let s = try store.status()
                #expect(s.backlog == 5 && s.lastError?.contains("connect") == true)
            }
        }
    }
}
