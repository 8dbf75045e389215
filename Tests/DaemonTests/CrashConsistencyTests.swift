import Circulation
import Foundation
import GRDB
import Testing

/// kill -9 of the real binaries in the middle of their writes: the store must come back
/// consistent, imports resume, and every alarm the daemon reported is in the event log.
@Suite("kill -9: store consistency, import resume, alarms never lost", .serialized)
struct CrashConsistencyTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rfidgate-crash-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func start(_ product: String, _ args: [String], stdout: Pipe? = nil) throws -> Process {
        let p = Process()
        p.executableURL = try DaemonBinaryTests.product(product)
        p.arguments = args
        p.standardOutput = stdout ?? FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func run(_ product: String, _ args: [String]) throws -> (Int32, String) {
        let out = Pipe()
        let p = try start(product, args, stdout: out)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func writeCSV(_ url: URL, rows: Int) throws {
        var s = "item_id,loan_state,due_date,title\n"
        s.reserveCapacity(rows * 48)
        for i in 0..<rows {
            let id = String(i)
            s += "5501" + String(repeating: "0", count: 10 - id.count) + id
            s += i % 2 == 0 ? ",on-loan,2031-01-15,Crash test title \(i)\n" : ",available,,Crash test title \(i)\n"
        }
        try s.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Committed progress of the running import (0 until the first batch).
    /// Rows the running import has committed so far. A plain read-only connection: opening a
    /// CirculationStore runs the migrator, which waits for the importer's write lock, and on a
    /// quiet machine the whole import could finish between two such polls.
    static func committed(_ db: String) -> Int {
        guard FileManager.default.fileExists(atPath: db) else { return 0 }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(1)
        guard let queue = try? DatabaseQueue(path: db, configuration: config) else { return 0 }
        return
            (try? queue.read { db in
                try Int.fetchOne(db, sql: "SELECT coalesce(max(accepted), 0) FROM imports WHERE status = 'running'") ?? 0
            }) ?? 0
    }

    @Test func killDuringA100kRowImportWhileTheDaemonRuns() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("export.csv")
        try Self.writeCSV(csv, rows: 100_000)
        let db = dir.appendingPathComponent("cache.sqlite").path
        let config = dir.appendingPathComponent("gate.toml")
        try "[cache]\npath = \"\(db)\"\nwatch_ms = 200\n[simulation]\npatrons_per_minute = 300\nforgetful_fraction = 1.0\n".write(
            to: config, atomically: true, encoding: .utf8)

        // The daemon runs on the same store (its event writer and watcher are writers too).
        let daemon = try Self.start("rfidgated", ["--config", config.path])
        let importer = try Self.start("rfidgatectl", ["cache", "import", csv.path, "--db", db, "--batch-rows", "2000"])
        let deadline = Date().addingTimeInterval(60)
        var seen = 0
        while importer.isRunning && Date() < deadline {
            seen = Self.committed(db)
            if seen >= 10_000 { break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(importer.isRunning, "the import finished before it could be killed; make it bigger")
        kill(importer.processIdentifier, SIGKILL)
        kill(daemon.processIdentifier, SIGKILL)
        importer.waitUntilExit()
        daemon.waitUntilExit()
        #expect(importer.terminationReason == .uncaughtSignal)

        // Consistent: whole batches only, and exactly the rows the import recorded as committed.
        let store = try CirculationStore(path: db, durability: .normal)
        #expect(try store.consistencyProblems() == [])
        let file = try DatabaseQueue(path: db)
        let committed = try file.read { db in try Int.fetchOne(db, sql: "SELECT accepted FROM imports WHERE status = 'running'") ?? -1 }
        let imported = try file.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM items WHERE pii LIKE '5501%'") ?? -1 }
        #expect(committed > 0 && committed < 100_000)
        #expect(imported == committed)
        #expect(committed % 2000 == 0)

        // Running it again resumes and completes; the restarted daemon serves from the same store.
        let (status, out) = try Self.run("rfidgatectl", ["cache", "import", csv.path, "--db", db])
        #expect(status == 0, "\(out)")
        #expect(out.contains("resumed an interrupted import at line \(committed + 2)"))
        #expect(try file.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM items WHERE pii LIKE '5501%'") } == 100_000)
        #expect(try store.item("55010000099999")?.title == "Crash test title 99999")
        #expect(try store.consistencyProblems() == [])
        let (dstatus, dout) = try Self.run("rfidgated", ["--config", config.path, "--duration", "2", "--summary-json"])
        #expect(dstatus == 0, "\(dout)")
        #expect(try store.consistencyProblems() == [])
    }

    @Test func killDuringABurstOfAlarmsLosesNoReportedAlarm() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("cache.sqlite").path
        let config = dir.appendingPathComponent("gate.toml")
        // Everyone forgets an item: an alarm about every 150 ms.
        try """
        [cache]
        path = "\(db)"
        [simulation]
        patrons_per_minute = 400
        forgetful_fraction = 1.0
        dwell_ms = 600
        [status]
        interval_ms = 100
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = Pipe()
        let daemon = try Self.start("rfidgated", ["--config", config.path], stdout: out)
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if text.components(separatedBy: "\nALARM ").count - 1 >= 12 { break }
        }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        // Whatever else was already written to the pipe was reported too.
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        let reported = text.split(separator: "\n").filter { $0.hasPrefix("ALARM  item ") }.map { line in
            String(line.dropFirst("ALARM  item ".count).prefix { $0 != " " })
        }
        #expect(reported.count >= 12)
        let store = try CirculationStore(path: db, durability: .normal)
        #expect(try store.consistencyProblems() == [])
        let logged = try store.alarms(since: 0).compactMap(\.item)
        var remaining = Dictionary(logged.map { ($0, 1) }, uniquingKeysWith: +)
        for item in reported {
            #expect(remaining[item, default: 0] > 0, "alarm for \(item) was reported but is not in the event log")
            remaining[item, default: 0] -= 1
        }
        // Titles came from the cache.
        #expect(try store.alarms(since: 0).allSatisfy { $0.title != nil || $0.item == nil })
    }
}
