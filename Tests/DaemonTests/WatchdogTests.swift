import Foundation
import Testing

/// The systemd watchdog is fed only while the decode thread moves: a real rfidgated reports to
/// a real notify socket, and its real decode thread is stopped on its own (ptrace stops one
/// thread; SIGSTOP would stop the whole process and prove nothing about the check).
@Suite("systemd watchdog follows the decode thread", .serialized)
struct WatchdogTests {
    /// A datagram socket standing in for systemd's $NOTIFY_SOCKET; collects what arrives.
    final class NotifySocket: @unchecked Sendable {
        let path: String
        private let fd: Int32
        private let lock = NSLock()
        private var received: [String] = []
        private var closed = false
        private var reader: Thread?

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let t = Thread { [self] in
                var buf = [UInt8](repeating: 0, count: 4096)
                while !isClosed {
                    let n = recv(fd, &buf, buf.count, 0)
                    if n > 0 { append(String(decoding: buf[0..<n], as: UTF8.self)) }
                }
            }
            t.start()
            reader = t
        }

        private var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }
        private func append(_ m: String) { lock.lock(); received.append(m); lock.unlock() }
        var messages: [String] { lock.lock(); defer { lock.unlock() }; return received }
        func count(_ line: String) -> Int { messages.filter { $0.split(separator: "\n").contains(Substring(line)) }.count }

        func close() {
            lock.lock(); closed = true; lock.unlock()
            while reader?.isFinished == false { usleep(10_000) }
            Glibc.close(fd)
            unlink(path)
        }
    }

    /// Waits (up to `seconds`, generous for a loaded box) until `condition` holds.
    static func wait(_ seconds: Double = 30, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    static func thread(named name: String, of pid: Int32) -> Int32? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap(Int32.init).first { tid in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                == name
        }
    }

    /// Holds one thread of another process in a ptrace stop until stdin closes.
    static let stopThread = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        tid = int(sys.argv[1])
        for req in (0x4206, 0x4207):  # PTRACE_SEIZE, PTRACE_INTERRUPT
            if libc.ptrace(req, tid, None, None) != 0:
                sys.exit("ptrace %x: errno %d" % (req, ctypes.get_errno()))
        os.waitpid(tid, 0x40000000)  # __WALL: the thread is in its stop
        print("stopped", flush=True)
        sys.stdin.read()
        """

    @Test func pingsStopWhileTheDecodeThreadHangsAndResumeAfter() throws {
        let notify = try NotifySocket()
        defer { notify.close() }
        let daemon = Process()
        daemon.executableURL = try DaemonBinaryTests.product("rfidgated")
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "600000"  // a ping every 300 ms while healthy
        env.removeValue(forKey: "WATCHDOG_PID")
        daemon.environment = env
        let err = Pipe()
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = err
        let log = DaemonBinaryTests.Collected()
        err.fileHandleForReading.readabilityHandler = { h in log.append(err: h.availableData) }
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }

        #expect(Self.wait { notify.count("READY=1") == 1 })
        // Healthy: the pings keep coming.
        #expect(Self.wait { notify.count("WATCHDOG=1") >= 3 }, "no watchdog pings from a healthy daemon: \(notify.messages)")

        let tid = try #require(
            Self.wait { Self.thread(named: "decode", of: daemon.processIdentifier) != nil }
                ? Self.thread(named: "decode", of: daemon.processIdentifier) : nil)
        let stopper = Process()
        stopper.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        stopper.arguments = ["-c", Self.stopThread, String(tid)]
        let hold = Pipe(), said = Pipe()
        stopper.standardInput = hold
        stopper.standardOutput = said
        try stopper.run()
        let answer = String(decoding: said.fileHandleForReading.readData(ofLength: 8), as: UTF8.self)
        try #require(answer.hasPrefix("stopped"), "could not stop the decode thread (ptrace)")

        // Hung: once the daemon has noticed twice, no ping went out between the two notices.
        let withholding = "decode thread made no progress"
        #expect(Self.wait { log.err.components(separatedBy: withholding).count - 1 >= 1 })
        let pingsAtFirstNotice = notify.count("WATCHDOG=1")
        #expect(Self.wait { log.err.components(separatedBy: withholding).count - 1 >= 3 })
        #expect(notify.count("WATCHDOG=1") == pingsAtFirstNotice, "a ping went out while the decode thread was stopped")

        // Released: the pings come back without a restart.
        try hold.fileHandleForWriting.close()
        stopper.waitUntilExit()
        #expect(Self.wait { notify.count("WATCHDOG=1") > pingsAtFirstNotice })

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        #expect(daemon.terminationStatus == 0)
        #expect(notify.count("STOPPING=1") == 1)
    }
}
