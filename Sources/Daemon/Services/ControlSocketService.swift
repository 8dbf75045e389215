import ControlProtocol
import Gate
import Logging
import RFIDGateConfig
import ServiceLifecycle
import Synchronization
import Threads

#if canImport(Glibc)
import Glibc
#endif

/// Answers `rfidgatectl status`, `events` and `top`. A connection's first line asks for one of
/// two things (`ControlRequest`): `status` (or nothing within 150 ms: clients older than the
/// request line) gets one JSON status report and is closed; `events` gets the events stream
/// (`EventHub`), one JSON line per event, on a thread of its own (`ctl-events`) until the client
/// closes. Nothing else is read, so nothing a local user could send changes the gate. Access
/// is the socket's file mode: 0660,
/// owned by the daemon's user and by the status group (`[status] group`, default
/// rfidgate-status), so a technician in that group reads the status and nothing else: the
/// config, the credentials, the devices and the store stay with the daemon's own group.
///
/// Runs on its own thread with a blocking accept (polled, so shutdown is prompt): a slow or
/// stuck status client holds this thread only (1 s at most), never the cooperative pool or the
/// gate; a slow follower holds its own thread and loses its oldest events, never the daemon's.
struct ControlSocketService: Service {
    /// `[status] socket` and `[status] group`.
    let configuredPath: String?
    let group: String
    /// The report's JSON line, built on the control thread (never blocks on the role's work).
    let report: @Sendable () -> String
    /// What `events` followers get.
    let events: EventHub
    let logger: Logger

    init(config: GateConfig, logger: Logger, events: EventHub, report: @escaping @Sendable () -> String) {
        configuredPath = config.statusSocket
        group = config.statusGroup
        self.report = report
        self.events = events
        self.logger = logger
    }

    func run() async throws {
        let path = ControlSocketPath.resolve(configured: configuredPath)
        let fd: Int32
        do {
            try makeParent(of: path)
            fd = try UnixSocket.listen(at: path, mode: 0o660)
            handOver(path, to: group)
        } catch {
            logger.error("status socket not available (rfidgatectl status will not reach this daemon): \(error)")
            return
        }
        logger.info("status socket ready", metadata: ["status.socket": "\(path)"])
        let stop = Flag()
        let report = report, hub = events
        let thread = OSThread(name: "control") {
            var followers: [(thread: OSThread, done: Flag)] = []
            while !stop.value.load(ordering: .acquiring) {
                followers.removeAll { f in
                    guard f.done.value.load(ordering: .acquiring) else { return false }
                    f.thread.join()
                    return true
                }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                // A client that does not read cannot hold the thread: give up after 1 s.
                var tv = timeval(tv_sec: 1, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                guard Self.request(client) == .events else {
                    _ = UnixSocket.writeAll(client, Array(report().utf8))
                    close(client)
                    continue
                }
                guard let follower = hub.follow() else {
                    var refused = ControlEvent(type: "refused")
                    refused.reason = "\(EventHub.maxFollowers) clients already follow the events: close one"
                    _ = UnixSocket.writeAll(client, Array((refused.json + "\n").utf8))
                    close(client)
                    continue
                }
                let done = Flag()
                let t = OSThread(name: "ctl-events") {
                    Self.stream(to: client, follower, hello: .subscribed(role: hub.role, buffer: EventHub.bufferPerFollower), stop: stop)
                    hub.leave(follower)
                    close(client)
                    done.value.store(true, ordering: .releasing)
                }
                followers.append((t, done))
            }
            for f in followers { f.thread.join() }
        }
        try? await gracefulShutdown()
        stop.value.store(true, ordering: .releasing)
        thread.join()
        close(fd)
        unlink(path)
    }

    /// The client's request line: what arrives within `ControlRequest.waitMillis` (nil: nothing,
    /// or not a request; the client gets the status report, as before the request line).
    static func request(_ client: Int32) -> ControlRequest? {
        var line: [UInt8] = []
        let deadline = monotonicNanos() + UInt64(ControlRequest.waitMillis) * 1_000_000
        var byte: UInt8 = 0
        while line.count < ControlRequest.maxLineBytes {
            let now = monotonicNanos()
            guard now < deadline else { return nil }
            var p = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32((deadline - now) / 1_000_000) + 1) > 0 else { return nil }
            let n = read(client, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return ControlRequest(line: String(decoding: line, as: UTF8.self)) }
            line.append(byte)
        }
        return nil
    }

    /// A follower's thread: the hello, then its buffer into the socket until the client closes
    /// or the daemon stops. A client that does not read blocks this thread only (its buffer
    /// fills, the oldest lines go and are counted).
    static func stream(to client: Int32, _ follower: Follower, hello: ControlEvent, stop: Flag) {
        // Short send timeout: a blocked send re-checks the stop flag and the client.
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var out = Array((hello.json + "\n").utf8)
        while !stop.value.load(ordering: .acquiring) {
            var off = 0
            while off < out.count && !stop.value.load(ordering: .acquiring) {
                let n = out.withUnsafeBytes { send(client, $0.baseAddress! + off, out.count - off, Int32(MSG_NOSIGNAL)) }
                if n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                    if hungUp(client) { return }
                    continue
                }
                if n <= 0 { return }
                off += n
            }
            if hungUp(client) { return }
            out = Array(follower.take(untilNanos: monotonicNanos() + 200_000_000).utf8)
        }
    }

    /// Whether the client closed its end (what it sends is read and ignored).
    static func hungUp(_ client: Int32) -> Bool {
        let rdhup: Int16 = 0x2000  // POLLRDHUP (a _GNU_SOURCE macro Swift does not see): the peer shut down
        var p = pollfd(fd: client, events: Int16(POLLIN) | rdhup, revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        if p.revents & (Int16(POLLHUP) | Int16(POLLERR) | rdhup) != 0 { return true }
        var sink = [UInt8](repeating: 0, count: 256)
        return sink.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } == 0
    }

    /// Gives the socket to the status group; says why when it cannot.
    func handOver(_ path: String, to group: String) {
        guard let entry = getgrnam(group) else {
            logger.notice(
                "status group \(group) does not exist: the status socket keeps the daemon's group (create it with systemd-sysusers)")
            return
        }
        if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 {
            logger.warning(
                "cannot give the status socket to group \(group): \(String(cString: strerror(errno))) (the unit's SupplementaryGroups=\(group) makes the daemon a member)"
            )
        }
    }

    func makeParent(of path: String) throws(UnixSocket.Failure) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let dir = String(path[..<slash])
        // 0711: anyone may pass through to the socket, nobody but the daemon may list or add.
        if mkdir(dir, 0o711) != 0 && errno != EEXIST { throw UnixSocket.errno("mkdir \(dir)") }
    }
}

/// A flag shared between threads: the service's stop, a follower thread's end (so the accept
/// loop joins it).
final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
