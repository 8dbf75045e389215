import Foundation
import GRDB
import SIP2
import Testing

@testable import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

extension SIP2PeerSuites {
    /// Storage faults with libfiu (Debian's fiu-utils): a running `rfidgated` replays queued
    /// loans to the invenio peer and raises alarms while its pwrite, fsync and fdatasync calls
    /// fail at random with ENOSPC and EIO (the WAL and its checkpoints, the event log, the
    /// outbox). The gate keeps alarming and says it is degraded; once the
    /// faults are switched off, every alarm it printed is in the event log and every loan
    /// reached the ILS exactly once, and the daemon never exited on its own.
    @Suite
    struct StorageFaultTests {
        @Test func randomIOFaultsLoseNoAlarmAndNoLoan() async throws {
            try await offPool { try Self.run() }
        }

        static let minimumFaults = 100
        /// Fault points and their errno (libfiu's failinfo): ENOSPC on writes (a full disk),
        /// EIO on syncs and opens (a failing flash card).
        static let writeFaults = [
            ("posix/io/rw/pwrite", 0.04, ENOSPC), ("posix/io/sync/fdatasync", 0.08, EIO), ("posix/io/sync/fsync", 0.08, EIO),
        ]
        // No random `open` faults: libfiu cannot tell a store file from /proc, and libdispatch
        // reads /proc/<pid>/task/<tid>/stat to size its thread pool and traps when that open
        // fails (seen here: SIGILL in _dispatch_workq_monitor_pools). A store that cannot be
        // opened is covered by StoreRecoveryTests.

        static func run() throws {
            for tool in ["fiu-run", "fiu-ctrl"] {
                try #require(which(tool) != nil, "\(tool) not found: ./scripts/setup.sh --tests installs fiu-utils")
            }
            let peer = try Peer(.invenio)
            let (outbox, path) = try tempOutbox()
            let loans = 300
            for i in 0..<loans {
                try outbox.enqueue(newEntry("fault-\(i)", patron: "Q\(i % 40)", item: "BK\(i)", at: 1_735_725_600 + Int64(i)))
            }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-fiu-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let socket = dir.appendingPathComponent("control.sock").path
            let config = dir.appendingPathComponent("gate.toml").path
            // A busy simulated exit (many forgetful patrons: alarms every second or so), the
            // store with the queued loans, the peer as ILS.
            try """
            [cache]
            path = "\(path)"
            [status]
            socket = "\(socket)"
            [simulation]
            population = 500
            patrons_per_minute = 120
            forgetful_fraction = 0.5
            [sip2]
            server = "127.0.0.1:\(peer.port)"
            login = "sc_user"
            password = "sc_pass"
            institution = "DEMO"
            sync_interval_s = 1
            """.write(toFile: config, atomically: true, encoding: .utf8)

            let ctl = dir.appendingPathComponent("fiu").path
            let args = ["-x", "-f", ctl, try #require(DaemonBinary.path, "rfidgated not built"), "--config", config, "--summary-json"]
            let out = dir.appendingPathComponent("stdout.txt")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            let handle = try FileHandle(forWritingTo: out)
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: try #require(which("fiu-run")))
            daemon.arguments = args
            daemon.standardOutput = handle
            let err = dir.appendingPathComponent("stderr.txt")
            FileManager.default.createFile(atPath: err.path, contents: nil)
            daemon.standardError = try FileHandle(forWritingTo: err)
            try daemon.run()
            defer {
                // What the daemon logged, for a failing run (levels and messages, no values).
                if let log = try? String(contentsOf: err, encoding: .utf8) {
                    if let crash = log.range(of: "Fatal error") ?? log.range(of: "Program crashed") {
                        print("rfidgated crashed:\n" + log[crash.lowerBound...].prefix(6000))
                    }
                    let lines = log.split(separator: "\n").filter { !$0.contains(" notice ") && !$0.contains(" info ") }
                    print("rfidgated log (\(lines.count) warning/error lines), last 40:\n" + lines.suffix(40).joined(separator: "\n"))
                }
            }
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            let pid = daemon.processIdentifier  // fiu-run execs the daemon: same pid

            // Phase 1: once the daemon runs (its status socket answers), the disk starts failing.
            // Not from its first instruction: libfiu's preload can deadlock inside glibc's
            // loader lock when failure points are live while many threads start (a first
            // lookup of a name strdup()s under libfiu's lock). A store that cannot be opened at
            // start is covered without libfiu (StoreRecoveryTests in DaemonTests).
            var report = try waitForReport(socket: socket, daemon: daemon) { _ in true }
            try fiuCtrl(ctl, pid, writeFaults.map { "enable_random name=\($0.0),probability=\($0.1),failinfo=\($0.2)" })
            report = try waitForReport(socket: socket, daemon: daemon, seconds: 240) { r in
                (r.storage?.faults ?? 0) >= minimumFaults
            }
            let faultsWhileInjecting = report.storage?.faults ?? 0

            // Phase 2: the disk heals. Everything held must land, every loan must go out once.
            try fiuCtrl(ctl, pid, writeFaults.map { "disable name=\($0.0)" })
            report = try waitForReport(socket: socket, daemon: daemon, seconds: 120) { r in
                r.cache != nil && r.storage?.alarmsHeld == 0 && r.sync?.backlog == 0 && r.alarms > 0
            }
            kill(pid, SIGTERM)
            daemon.waitUntilExit()
            try handle.close()
            #expect(daemon.terminationStatus == 0, "rfidgated exited with \(daemon.terminationStatus)")

            // Every alarm printed (acknowledged to the staff) is in the event log, once.
            let text = try String(contentsOf: out, encoding: .utf8)
            let printed = text.split(separator: "\n").filter { $0.hasPrefix("ALARM ") }.count
            let summary = try #require(text.split(separator: "\n").last { $0.hasPrefix("{") })
            let json = try #require(JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
            let logged = try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM alarms") } ?? -1
            #expect(printed > 0 && printed == json["alarms"] as? Int, "printed \(printed), summary \(String(describing: json["alarms"]))")
            #expect(logged == printed, "\(printed) alarms printed, \(logged) in the event log")
            #expect(json["alarms_not_logged"] as? Int == 0)
            let faults = json["storage_faults"] as? Int ?? 0
            #expect(faults >= minimumFaults && faultsWhileInjecting >= minimumFaults)

            // Every loan reached the ILS exactly once.
            let s = try outbox.status()
            #expect(s.backlog == 0 && s.done == loans && s.deadLetters == 0, "\(s)")
            let items = try peer.state().items
            var lost = 0, duplicated = 0
            for i in 0..<loans {
                let st = items["BK\(i)"]
                let c = st?["checkouts"] as? Int ?? 0, r = st?["renewals"] as? Int ?? 0
                if c == 0 { lost += 1 }
                if c + r > 1 { duplicated += 1 }
            }
            #expect(lost == 0 && duplicated == 0, "lost \(lost), duplicated \(duplicated)")
            // Both errnos reached the store (full disk on writes, I/O errors on syncs).
            let log = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            let full = log.components(separatedBy: "disk is full").count - 1
            let io = log.components(separatedBy: "disk I/O error").count - 1
            #expect(full > 0 && io > 0, "ENOSPC seen \(full) times, EIO \(io) times")
            print(
                "libfiu run: \(faults) storage faults observed (log: \(full) full disk, \(io) I/O error), \(printed) alarms printed and \(logged) logged, \(loans) loans: lost \(lost), duplicated \(duplicated)"
            )
        }

        struct Report {
            let raw: [String: Any]
            var alarms: Int { raw["alarms"] as? Int ?? 0 }
            var cache: Any? { raw["cache"].flatMap { $0 is NSNull ? nil : $0 } }
            var storage: (faults: Int, alarmsHeld: Int)? {
                guard let s = raw["storage"] as? [String: Any] else { return nil }
                return (s["faults"] as? Int ?? 0, s["alarms_held"] as? Int ?? -1)
            }
            var sync: (backlog: Int?, replayed: Int)? {
                guard let s = raw["sync"] as? [String: Any] else { return nil }
                return (s["backlog"] as? Int, s["replayed"] as? Int ?? 0)
            }
        }

        /// Polls `rfidgatectl status --json` until `done` holds; fails when the daemon exits or
        /// `seconds` pass.
        static func waitForReport(socket: String, daemon: Process, seconds: Double = 60, _ done: (Report) -> Bool) throws -> Report {
            let deadline = Date().addingTimeInterval(seconds)
            var last: Report? = nil
            while Date() < deadline {
                if !daemon.isRunning {
                    let how = daemon.terminationReason == .uncaughtSignal ? "signal" : "exit status"
                    Issue.record("rfidgated ended during the fault run (\(how) \(daemon.terminationStatus))")
                    throw WaitTimedOut(what: "a daemon that stays up")
                }
                if let raw = try? statusJSON(socket: socket) {
                    let r = Report(raw: raw)
                    last = r
                    if done(r) { return r }
                }
                usleep(100_000)
            }
            throw WaitTimedOut(what: "daemon report condition; last report: \(String(describing: last?.raw))")
        }

        static func statusJSON(socket: String) throws -> [String: Any]? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try #require(CtlBinary.path))
            p.arguments = ["status", "--socket", socket, "--json", "--interval", "0"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }

        static func fiuCtrl(_ ctl: String, _ pid: Int32, _ commands: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try #require(which("fiu-ctrl")))
            p.arguments = ["-f", ctl] + commands.flatMap { ["-c", $0] } + ["\(pid)"]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "fiu-ctrl \(commands) failed")
        }

        static func which(_ tool: String) -> String? {
            for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
                return "\(dir)/\(tool)"
            }
            return nil
        }
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}
