import Foundation
import Gate
import Testing

/// `alarm_command` runs a technician's shell command with values written on tags: it must get
/// nothing of the daemon's (environment, descriptors) and nothing raw from the tag.
@Suite("alarm_command isolation, timeout and job cap")
struct AlarmCommandTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Polls until no command runs (a condition, with a generous deadline for a loaded box).
    static func finish(_ cmd: AlarmCommand, from start: UInt64 = 0) -> UInt64 {
        var now = start
        let deadline = Date().addingTimeInterval(30)
        while cmd.running > 0 && Date() < deadline {
            usleep(5_000)
            now += 1_000_000  // 1 ms of the command's clock: far from the 10 s timeout
            cmd.poll(now: now)
        }
        return now
    }

    @Test func minimalEnvironmentNoInheritedDescriptorsEscapedValues() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The daemon's own environment and an open descriptor (not close-on-exec) that a
        // careless spawn would hand to the command.
        // (A variable of its own: other tests read CREDENTIALS_DIRECTORY and NOTIFY_SOCKET.)
        setenv("RFIDGATE_TEST_DAEMON_ONLY", "secret", 1)
        let leaked = open(dir.appendingPathComponent("store").path, O_CREAT | O_RDWR, 0o600)
        #expect(leaked >= 3)
        defer { close(leaked); unsetenv("RFIDGATE_TEST_DAEMON_ONLY") }

        let env = dir.appendingPathComponent("env").path, fds = dir.appendingPathComponent("fds").path
        // `; true` keeps sh from exec'ing the last command, so /proc/$$ is the shell's own.
        let cmd = AlarmCommand(command: "env > \(env); ls -l /proc/$$/fd > \(fds); true") { _ in }
        cmd.run(environment: [("RFIDGATE_ITEM", "3901\u{1B}[2J\nALARM  forged"), ("RFIDGATE_TITLE", "红楼梦")], now: 0)
        _ = Self.finish(cmd)
        #expect(cmd.succeeded == 1)

        let vars = try String(contentsOfFile: env, encoding: .utf8).split(separator: "\n").map(String.init)
        let names = Set(vars.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        let allowed: Set<String> = ["PATH", "PWD", "RFIDGATE_ITEM", "RFIDGATE_TITLE"]
        #expect(names.isSubset(of: allowed), "the command saw \(names.subtracting(allowed))")
        #expect(vars.contains("RFIDGATE_ITEM=3901\\x1b[2J\\x0aALARM  forged"))
        #expect(vars.contains("RFIDGATE_TITLE=红楼梦"))

        // The shell's own (0-2 and dash's saved copy of stdout) are there; the daemon's file is not.
        let listing = try String(contentsOfFile: fds, encoding: .utf8)
        #expect(listing.contains(" 0 -> /dev/null"), "stdin is /dev/null: \(listing)")
        #expect(!listing.contains(dir.appendingPathComponent("store").path), "the daemon's descriptor leaked: \(listing)")
    }

    @Test func aHangingCommandIsKilledAfterTenSecondsAndGivenUpAfterThreeTries() throws {
        var logs: [String] = []
        let cmd = AlarmCommand(command: "exec sleep 600") { logs.append($0) }
        cmd.run(environment: [("RFIDGATE_ITEM", "1")], now: 0)
        // The command's clock is injected: each poll past the timeout kills the attempt.
        for attempt in 1...AlarmCommand.maxAttempts {
            #expect(cmd.running == 1)
            cmd.poll(now: UInt64(attempt) * (AlarmCommand.timeoutNanos + 1_000_000))
        }
        #expect(cmd.running == 0)
        #expect(cmd.abandoned == 1 && cmd.succeeded == 0)
        #expect(logs.filter { $0.contains("still running after 10 s (killed)") }.count == AlarmCommand.maxAttempts)
        #expect(logs.last?.contains("giving up on this alarm") == true)
    }

    @Test func noMoreThanTheCapRunAtOnce() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stop = dir.appendingPathComponent("stop").path
        var logs: [String] = []
        let cmd = AlarmCommand(command: "while [ ! -e \(stop) ]; do sleep 0.05; done") { logs.append($0) }
        for i in 0...AlarmCommand.maxJobs { cmd.run(environment: [("RFIDGATE_ITEM", "\(i)")], now: 0) }
        #expect(cmd.running == AlarmCommand.maxJobs)
        #expect(cmd.abandoned == 1)
        #expect(logs.contains { $0.contains("\(AlarmCommand.maxJobs) commands still running") })
        FileManager.default.createFile(atPath: stop, contents: nil)
        _ = Self.finish(cmd)
        #expect(cmd.running == 0 && cmd.succeeded == AlarmCommand.maxJobs)
    }
}
