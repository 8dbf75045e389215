import ControlProtocol
import Foundation
import Testing

@testable import Daemon

/// `rfidgatectl events --follow` and `rfidgatectl top` against the real `rfidgated` binary
/// running the simulated gate, over its control socket.
@Suite("events stream and top", .serialized)
struct EventsAndTopTests {
    /// A simulated gate with its socket and store in `dir`; returns once the socket is there.
    static func startGate(in dir: URL) throws -> (daemon: Process, socket: String) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let socket = dir.appendingPathComponent("run/control.sock").path
        let config = dir.appendingPathComponent("gate.toml")
        try "[status]\nsocket = \"\(socket)\"\n\n[cache]\npath = \"\(dir.path)/simulation.sqlite\"\n".write(
            to: config, atomically: true, encoding: .utf8)
        let daemon = Process()
        daemon.executableURL = try DaemonBinaryTests.product("rfidgated")
        daemon.arguments = ["--config", config.path, "--duration", "120"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        try waitFor("the control socket at \(socket)", seconds: 60) { FileManager.default.fileExists(atPath: socket) || !daemon.isRunning }
        try #require(daemon.isRunning, "rfidgated stopped during start-up")
        return (daemon, socket)
    }

    static func stop(_ daemon: Process) {
        if daemon.isRunning { kill(daemon.processIdentifier, SIGTERM) }
        daemon.waitUntilExit()
    }

    /// Polls `condition` every 50 ms until it holds; fails naming `what` after `seconds`.
    static func waitFor(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            if Date() > deadline { throw WaitTimeout(description: "no \(what) within \(seconds) s") }
            usleep(50_000)
        }
    }

    struct WaitTimeout: Error, CustomStringConvertible { let description: String }

    /// Runs `argv` with only stdin, stdout and stderr (all /dev/null) and returns its exit status.
    static func spawnAndWait(_ argv: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
        guard rc == 0 else { throw WaitTimeout(description: "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xFF
    }

    @Test func eventsFollowJSONSeesAnAlarmWithinTheDeadline() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-events-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (daemon, socket) = try Self.startGate(in: dir)
        defer { Self.stop(daemon) }

        let ctl = Process()
        ctl.executableURL = try DaemonBinaryTests.product("rfidgatectl")
        ctl.arguments = ["events", "--follow", "--json", "--socket", socket]
        let out = Pipe(), err = Pipe()
        ctl.standardOutput = out
        ctl.standardError = err
        let collected = DaemonBinaryTests.Collected()
        out.fileHandleForReading.readabilityHandler = { h in collected.append(out: h.availableData) }
        err.fileHandleForReading.readabilityHandler = { h in collected.append(err: h.availableData) }
        try ctl.run()
        defer {
            if ctl.isRunning { kill(ctl.processIdentifier, SIGTERM) }
            ctl.waitUntilExit()
            out.fileHandleForReading.readabilityHandler = nil
            err.fileHandleForReading.readabilityHandler = nil
        }
        // The simulation sends its first forgetful patron out early in the run.
        var alarm: [String: Any]?
        try Self.waitFor("alarm on the events stream (stderr: \(collected.err))", seconds: 60) {
            for line in collected.out.split(separator: "\n") {
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    Issue.record("not one JSON object per line: \(line)")
                    continue
                }
                if obj["type"] as? String == "alarm" { alarm = obj }
            }
            return alarm != nil || !ctl.isRunning
        }
        let a = try #require(alarm, "rfidgatectl events stopped: \(collected.err)")
        #expect(a["reader"] as? String == "gate-1")
        #expect([1, 2].contains(a["antenna"] as? Int))
        #expect((a["reason"] as? String)?.isEmpty == false)
        #expect(a["tag"] is String && a["afi"] is Int && a["at"] is Int && a["logged"] is Bool)
        #expect(a["item"] is String || a["tag"] is String, "\(a)")

        // A client older than the request line (writes nothing) still gets one status report.
        let fd = try UnixSocket.connect(to: socket)
        let bytes = UnixSocket.readAll(fd)
        close(fd)
        let report = try JSONWire.decode(StatusReport.self, from: bytes)
        #expect(report.readers.map(\.id) == ["gate-1"] && report.visitors != nil)
        #expect(ctl.isRunning, "following goes on until the client stops")
    }

    @Test func topInTmuxShowsRatesFitsEightyColumnsAndQuitsOnQ() throws {
        let tmux = try #require(
            ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "tmux is missing: run ./scripts/setup.sh --tests")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-top-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (daemon, socket) = try Self.startGate(in: dir)
        defer { Self.stop(daemon) }

        let server = "rfidgate-top-\(getpid())"
        @discardableResult
        func run(_ args: [String]) throws -> (status: Int32, out: String) {
            let r = try StatusSocketTests.ctlVia(tmux, ["-L", server, "-f", "/dev/null"] + args)
            return (r.status, r.out)
        }
        defer { _ = try? run(["kill-server"]) }
        let ctl = try DaemonBinaryTests.product("rfidgatectl").path
        let exited = dir.appendingPathComponent("top.exit").path
        // The tmux server this starts keeps every descriptor it inherits, and Foundation's
        // Process learns of a child's exit from one of them: spawn it bare, wait on the pid.
        let started = try Self.spawnAndWait([
            tmux, "-L", server, "-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", "80", "-y", "24",
            "\(ctl) top --socket \(socket); echo $? > \(exited)",
        ])
        try #require(started == 0, "tmux new-session failed: status \(started)")

        // Until the reader's line shows a read rate (the second report, a second later).
        var pane = ""
        try Self.waitFor("read rate on the reader line of `top`", seconds: 60) {
            pane = (try? run(["capture-pane", "-p", "-t", "top"]).out) ?? ""
            return pane.split(separator: "\n").contains { line in
                let f = line.split(separator: " ")
                return f.first == "gate-1" && f.count > 2 && (Int(f[2]) ?? 0) > 0
            } || FileManager.default.fileExists(atPath: exited)
        }
        #expect(!FileManager.default.fileExists(atPath: exited), "top ended early: \(pane)")
        let lines = pane.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines { #expect(line.count <= 80, "wider than 80 columns: \(line)") }
        #expect(pane.contains("READER") && pane.contains("reading") && pane.contains("RECENT EVENTS"), "\(pane)")

        try run(["send-keys", "-t", "top", "q"])
        try Self.waitFor("exit of top after q", seconds: 10) { FileManager.default.fileExists(atPath: exited) }
        try Self.waitFor("exit status of top", seconds: 5) {
            (try? String(contentsOfFile: exited, encoding: .utf8))?.hasSuffix("\n") == true
        }
        #expect(try String(contentsOfFile: exited, encoding: .utf8) == "0\n")
    }

    /// A follower that does not read loses its oldest events, counted; the publisher never waits.
    @Test func aSlowFollowerLosesTheOldestAndIsToldHowMany() throws {
        let hub = EventHub(role: "gate")
        hub.publish(.visitors(at: 1, entering: 1, leaving: 0))  // nobody follows: nothing held
        let f = try #require(hub.follow())
        for i in 0..<(EventHub.bufferPerFollower + 5) { hub.publish(.visitors(at: Int64(i), entering: i, leaving: 0)) }
        let text = f.take(untilNanos: 0)
        let lines = text.split(separator: "\n")
        #expect(lines.first == #"{"count":5,"type":"dropped"}"#)
        #expect(lines.count == EventHub.bufferPerFollower + 1)
        #expect(lines[1].contains(#""at":5,"#), "the oldest went: \(lines[1])")
        #expect(f.take(untilNanos: 0).isEmpty)
        var more: [Follower] = []
        while let g = hub.follow() { more.append(g) }
        #expect(more.count == EventHub.maxFollowers - 1)
        hub.leave(f)
        #expect(hub.follow() != nil)
    }
}
