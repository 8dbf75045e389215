import Foundation
import Testing

/// `rfidgatectl status` against a running `rfidgated` over its status socket.
@Suite("status socket", .serialized)
struct StatusSocketTests {
    static func ctl(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try ctlVia(try DaemonBinaryTests.product("rfidgatectl").path, args)
    }

    static func ctlVia(_ executable: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func runningDaemonAnswersAndCleansUp() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-status-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("run/control.sock").path
        let config = dir.appendingPathComponent("gate.toml")
        try "[status]\nsocket = \"\(socket)\"\n".write(to: config, atomically: true, encoding: .utf8)

        let daemon = Process()
        daemon.executableURL = try DaemonBinaryTests.product("rfidgated")
        daemon.arguments = ["--config", config.path, "--duration", "8"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: socket) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }

        // Group-readable, not world-readable: technicians in group rfidgate, nobody else.
        var st = stat()
        #expect(stat(socket, &st) == 0 && st.st_mode & 0o777 == 0o660)

        let r = try Self.ctl(["status", "--socket", socket, "--json", "--interval", "0"])
        #expect(r.status == 0, "\(r.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let readers = try #require(report["readers"] as? [[String: Any]])
        #expect(readers.map { $0["id"] as? String } == ["gate-1"])
        #expect(["starting", "reading"].contains(readers[0]["state"] as? String))
        let antennas = try #require(readers[0]["antennas"] as? [[String: Any]])
        #expect(antennas.map { $0["antenna"] as? Int } == [1, 2] && antennas.allSatisfy { $0["reads"] is Int })
        #expect(report["simulated"] as? Bool == true && report["sync"] is NSNull)

        // The table a technician reads, with a rate from two samples.
        let t = try Self.ctl(["status", "--socket", socket, "--interval", "0.5"])
        #expect(
            t.status == 0 && t.out.contains("gate-1") && t.out.contains("feig-sim") && t.out.contains("reads/s")
                && t.out.contains("antenna:reads/s"))

        // `readers` says who owns the readers while the daemon runs.
        let owned = try Self.ctl(["readers", "--config", config.path])
        #expect(owned.status == 0 && owned.out.contains("rfidgated is running") && owned.out.contains("gate-1  feig-sim"))

        // Clients that hang up before reading cost the daemon an EPIPE, not its life (SIGPIPE).
        for _ in 0..<20 {
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in socket.utf8.enumerated() { raw[i] = b } }
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)  // close with a reset
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            close(fd)
        }
        // The daemon answered them all and still answers (a SIGPIPE would have ended it).
        #expect(try Self.ctl(["status", "--socket", socket, "--json", "--interval", "0"]).status == 0)
        #expect(daemon.isRunning)

        // A second daemon on the same socket does not take it over.
        let second = Process()
        second.executableURL = daemon.executableURL
        second.arguments = ["--config", config.path, "--duration", "1"]
        let err = Pipe()
        second.standardOutput = FileHandle.nullDevice
        second.standardError = err
        try second.run()
        let secondErr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        #expect(secondErr.contains("in use by another running rfidgated"))
        #expect(try Self.ctl(["status", "--socket", socket, "--json", "--interval", "0"]).status == 0)

        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed at shutdown")
        let gone = try Self.ctl(["status", "--socket", socket])
        #expect(gone.status == 69 && gone.err.contains("cannot reach rfidgated"))
    }
}

/// Who may do what: a member of the status group reads the status; anybody else is refused
/// with a message naming the group. Real users (setpriv drops root to `nobody`), real modes.
@Suite("status socket: least privilege", .serialized)
struct StatusGroupTests {
    /// `adm` stands in for rfidgate-status: every Debian system has it, and the test must not
    /// add groups to the machine it runs on.
    static let group = "adm"

    static func ctlAs(groups: String?, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let ctl = try DaemonBinaryTests.product("rfidgatectl").path
        let drop = ["--reuid=65534", "--regid=65534"] + (groups.map { ["--groups=\($0)"] } ?? ["--clear-groups"])
        return try StatusSocketTests.ctlVia("/usr/bin/setpriv", drop + ["--", ctl] + args)
    }

    @Test func statusGroupMembersReadOthersAreRefusedClearly() throws {
        try #require(getuid() == 0, "needs root to run rfidgatectl as other users (setpriv); CI and the README's setup run as root")
        let gid = try #require(getgrnam(Self.group)).pointee.gr_gid
        let dir = URL(fileURLWithPath: "/tmp/rfidgate-group-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("run/control.sock").path
        let config = dir.appendingPathComponent("gate.toml")
        try "[status]\nsocket = \"\(socket)\"\ngroup = \"\(Self.group)\"\n".write(to: config, atomically: true, encoding: .utf8)

        let daemon = Process()
        daemon.executableURL = try DaemonBinaryTests.product("rfidgated")
        daemon.arguments = ["--config", config.path]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
        var st = stat()
        let deadline = Date().addingTimeInterval(30)
        while !(stat(socket, &st) == 0 && st.st_gid == gid) && Date() < deadline { usleep(20_000) }
        #expect(st.st_gid == gid && st.st_mode & 0o777 == 0o660, "socket handed to group \(Self.group)")

        let member = try Self.ctlAs(groups: String(gid), ["status", "--socket", socket, "--json", "--interval", "0"])
        #expect(member.status == 0, "a member of the status group reads the status: \(member.err)")
        #expect(member.out.contains("\"readers\""))

        let stranger = try Self.ctlAs(groups: nil, ["status", "--socket", socket, "--interval", "0"])
        #expect(stranger.status == 77)
        #expect(stranger.err.contains("permission denied") && stranger.err.contains("group \(Self.group)"), "\(stranger.err)")
        #expect(stranger.out.isEmpty)

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }
}
