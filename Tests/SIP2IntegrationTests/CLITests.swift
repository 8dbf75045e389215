import Foundation
import SIP2
import Testing

@testable import SIP2Sync

extension SIP2PeerSuites {
    /// `rfidgatectl sip2 …` and `rfidgatectl sync …` as a technician runs them (the built binary).
    @Suite
    struct CLITests {
        /// Runs rfidgatectl off the cooperative pool; returns status, stdout, stderr.
        static func ctl(_ args: [String]) async throws -> (Int32, String, String) {
            let bin = try #require(CtlBinary.path)
            return try await offPool {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: bin)
                p.arguments = args
                let out = Pipe(), err = Pipe()
                p.standardOutput = out; p.standardError = err
                try p.run()
                let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
            }
        }

        static func lastJSON(_ out: String) throws -> [String: Any] {
            let line = try #require(out.split(separator: "\n").last)
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }

        func conn(_ peer: Peer) -> [String] {
            [
                "--server", "127.0.0.1:\(peer.port)", "--login", "sc_user", "--password", "sc_pass", "--institution", "DEMO", "--config",
                "/nonexistent",
            ]
        }

        @Test func pingItemPatronCheckoutCheckin() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let c = conn(peer)
            var (st, out, err) = try await Self.ctl(["sip2"] + c + ["--json", "ping"])
            #expect(st == 0, "\(err)")
            #expect(try Self.lastJSON(out)["online"] as? Bool == true)

            (st, out, err) = try await Self.ctl(["sip2"] + c + ["--raw", "--json", "item", "I0005"])
            var j = try Self.lastJSON(out)
            #expect(st == 0 && j["ok"] as? Bool == true && j["title"] as? String == "三体" && j["circulation_status"] as? String == "03")
            // Every frame is shown, the password never: --raw masks CO (and AC, AD).
            #expect(err.contains(">> 9300CNsc_user|CO****|AY0AZ") && err.contains("<< 941AY0AZFDFD"))
            #expect(!err.contains("sc_pass") && !out.contains("sc_pass"))

            (st, out, _) = try await Self.ctl(["sip2", "patron", "P0001", "--pin", "9999", "--json"] + c)
            j = try Self.lastJSON(out)
            #expect(st == 1 && j["ok"] as? Bool == false && j["valid_pin"] as? Bool == false)

            let item = uniqueItem("cli")
            (st, out, _) = try await Self.ctl(["sip2"] + c + ["--json", "checkout", "P0001", item])
            j = try Self.lastJSON(out)
            #expect(
                st == 0 && j["ok"] as? Bool == true && (j["due_date"] as? String)?.count == 18
                    && j["title"] as? String == "Bulk item " + item.dropFirst())
            (st, out, _) = try await Self.ctl(["sip2"] + c + ["--json", "checkout", "P0001", "I0003"])
            j = try Self.lastJSON(out)
            #expect(st == 1 && j["ok"] as? Bool == false && j["screen_message"] as? String == "Item is checked out to another patron")
            (st, out, _) = try await Self.ctl(["sip2"] + c + ["--json", "checkin", item])
            j = try Self.lastJSON(out)
            #expect(st == 0 && j["ok"] as? Bool == true)
        }

        @Test func unreachableILSExits69WithJSON() async throws {
            let (st, out, err) = try await Self.ctl([
                "sip2", "--server", "127.0.0.1:1", "--login", "a", "--password", "b", "--institution", "c", "--config", "/nonexistent",
                "--json", "ping",
            ])
            #expect(st == 69 && err.contains("cannot connect to the ILS"))
            let j = try Self.lastJSON(out)
            #expect(j["ok"] as? Bool == false)
        }

        @Test func syncStatusRunAndRetry() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let (store, path) = try tempOutbox()
            try store.enqueue(newEntry("a", item: uniqueItem("cli")))
            try store.enqueue(newEntry("b", item: "I0004"))  // lost: refused → dead letter
            var (st, out, _) = try await Self.ctl(["sync", "status", "--db", path, "--json"])
            let before = try Self.lastJSON(out)
            #expect(st == 0 && before["backlog"] as? Int == 2)
            (st, out, _) = try await Self.ctl(["sync", "run", "--db", path] + conn(peer) + ["--json"])
            var j = try Self.lastJSON(out)
            #expect(st == 0 && j["replayed"] as? Int == 1 && j["dead_letters"] as? Int == 1)
            (st, out, _) = try await Self.ctl(["sync", "status", "--db", path, "--json"])
            j = try Self.lastJSON(out)
            #expect(j["backlog"] as? Int == 0 && j["dead_letters"] as? Int == 1 && j["last_success_unix"] is Int)
            #expect(out.contains("dead 2: checkout item I0004"))
            (st, out, _) = try await Self.ctl(["sync", "retry", "2", "--db", path])
            let backlog = try store.status().backlog
            #expect(st == 0 && backlog == 1)
            (st, _, _) = try await Self.ctl(["sync", "retry", "1", "--db", path])
            #expect(st == 1)
        }

        /// After the ILS is back: the refused offline loan, the checkin with an alert, the
        /// station item left for staff; none of the plain successes.
        @Test func syncReportListsEveryExceptionForStaff() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let (store, path) = try tempOutbox()
            let plain = uniqueItem("rep")
            try store.enqueue(newEntry("ok", item: plain))
            try store.enqueue(newEntry("lost", item: "I0004"))  // refused: dead letter
            try store.enqueue(newEntry("unknown", .checkin, item: "X\u{1B}[2Jevil"))  // not an item of this ILS
            var (st, out, _) = try await Self.ctl(["sync", "run", "--db", path] + conn(peer) + ["--json"])
            #expect(st == 0)
            let j = try store.store.beginJournal(
                session: "s1", kind: "checkin", patron: nil, item: "BRET1", title: nil, tag: "hf:E004015000000001", atUnix: 1_800_000_000)
            try store.store.advanceJournal(id: j, to: "unresolved", note: "returned but the tag left the pad", atUnix: 1_800_000_001)
            (st, out, _) = try await Self.ctl(["sync", "report", "--db", path, "--json"])
            #expect(st == 0)
            let report = try Self.lastJSON(out)
            let rows = try #require(report["exceptions"] as? [[String: Any]])
            let items = Set(rows.compactMap { $0["item"] as? String })
            #expect(items.contains("I0004") && items.contains("BRET1") && !items.contains(plain))
            #expect(rows.count == 3, "\(rows)")
            // Text lines never carry a terminal escape from tag or ILS data.
            #expect(!out.split(separator: "\n").dropLast().contains { $0.contains("\u{1B}") })
        }
    }
}
