import Foundation
import Testing

/// Starts the real `rfidgated` binary, as a technician or systemd would.
@Suite("rfidgated binary end to end", .serialized)
struct DaemonBinaryTests {
    /// The directory holding the built products (the test bundle sits beside them).
    static func product(_ name: String) throws -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }

    /// Runs rfidgated; `signals` are sent in order, each after its delay (seconds) counted from
    /// the moment the daemon printed its status header (so a slow start cannot race them).
    /// With `fromSpawn`, the first delay counts from the moment the process catches SIGTERM
    /// (its first instruction; before it, the dynamic loader runs, which no program can guard).
    static func run(
        _ args: [String], signals: [(Double, Int32)] = [], fromSpawn: Bool = false
    ) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try product("rfidgated")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let collected = Collected()
        out.fileHandleForReading.readabilityHandler = { h in collected.append(out: h.availableData) }
        err.fileHandleForReading.readabilityHandler = { h in collected.append(err: h.availableData) }
        try p.run()
        if !signals.isEmpty {
            let deadline = Date().addingTimeInterval(60)
            while !fromSpawn && !collected.out.contains("reads/s") && Date() < deadline && p.isRunning {
                Thread.sleep(forTimeInterval: 0.05)
            }
            while fromSpawn && !catchesSIGTERM(p.processIdentifier) && Date() < deadline && p.isRunning {
                usleep(200)
            }
            for (delay, signal) in signals {
                Thread.sleep(forTimeInterval: delay)
                kill(p.processIdentifier, signal)
            }
        }
        p.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        collected.append(out: out.fileHandleForReading.readDataToEndOfFile())
        collected.append(err: err.fileHandleForReading.readDataToEndOfFile())
        return (p.terminationStatus, collected.out, collected.err)
    }

    /// Whether the process has a handler for SIGTERM (the SigCgt mask in /proc/PID/status).
    static func catchesSIGTERM(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << (UInt64(SIGTERM) - 1)) != 0
    }

    /// Output gathered from the pipes' handlers (called on other threads).
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var o = Data(), e = Data()
        func append(out d: Data) { lock.lock(); o.append(d); lock.unlock() }
        func append(err d: Data) { lock.lock(); e.append(d); lock.unlock() }
        var out: String { lock.lock(); defer { lock.unlock() }; return String(decoding: o, as: UTF8.self) }
        var err: String { lock.lock(); defer { lock.unlock() }; return String(decoding: e, as: UTF8.self) }
    }

    static func summary(_ out: String) throws -> [String: Double] {
        let last = try #require(out.split(separator: "\n").last)
        let obj = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        return try #require(obj).compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    @Test func simulatedGateRaisesTheAlarmsItShould() throws {
        let r = try Self.run(["--duration", "6", "--summary-json"])
        #expect(r.status == 0, "\(r.err)")
        let s = try Self.summary(r.out)
        for key in ["reads", "items", "alarms", "drops"] { #expect(s[key] != nil, "summary lacks \(key)") }
        #expect(s["reads", default: 0] > 100)
        #expect(s["items", default: 0] > 3)
        #expect(s["drops"] == 0)
        #expect(s["undecodable"] == 0)
        #expect(s["alarms", default: 0] >= 1)
        // Every forgetful patron who walked out alarmed; none of the honest ones did.
        #expect(s["alarms", default: 0] >= s["expected_alarms", default: 0])
        #expect(s["alarms", default: 0] <= s["forgetful_admitted", default: 0])
        #expect(r.out.contains("ALARM  item 3901"))
        #expect(r.out.contains("reads/s"))
        // Status lines: one a second.
        #expect(r.out.split(separator: "\n").filter { $0.hasSuffix(" ") == false && $0.contains("%") }.count >= 4)
    }

    @Test func sigtermStopsCleanlyWithASummary() throws {
        // SIGUSR1 (systemctl reload) must not kill the daemon: it logs a state snapshot.
        let r = try Self.run(["--summary-json"], signals: [(1.5, SIGUSR1), (1.0, SIGTERM)])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("state on SIGUSR1"))
        #expect(r.out.contains("summary:"))
        let s = try Self.summary(r.out)
        #expect(s["seconds", default: 0] >= 2 && s["seconds", default: 99] < 8)
    }

    /// systemd may stop the service at any moment of its start-up (config, store, readers): a
    /// SIGTERM there is a clean stop with status 0, never the default action's 143.
    @Test(arguments: [0.0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4])
    func sigtermDuringStartUpIsACleanStop(after seconds: Double) throws {
        let r = try Self.run(["--summary-json"], signals: [(seconds, SIGTERM)], fromSpawn: true)
        #expect(r.status == 0, "SIGTERM \(seconds) s after spawn: status \(r.status); \(r.err)")
    }

    @Test func configFileSelectsReadersAndBadConfigIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.toml")
        try """
        [[readers]]
        id = "east"
        antennas = [1]
        [[readers]]
        id = "west"
        antennas = [2]
        [simulation]
        patrons_per_minute = 120
        forgetful_fraction = 1.0
        """.write(to: good, atomically: true, encoding: .utf8)
        let r = try Self.run(["--config", good.path, "--duration", "3", "--summary-json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.summary(r.out)["alarms", default: 0] >= 1)
        #expect(r.out.contains("reader east") || r.out.contains("reader west"))

        let bad = dir.appendingPathComponent("bad.toml")
        try "[pipeline]\nring_capacty = 5\n".write(to: bad, atomically: true, encoding: .utf8)
        let b = try Self.run(["--config", bad.path, "--duration", "1"])
        #expect(b.status == 78)
        #expect(b.err.contains("unknown key pipeline.ring_capacty"))
    }
}
