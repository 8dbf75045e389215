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

/// Answers `rfidgatectl status`: every connection to the control socket gets one JSON status
/// report and is closed. Nothing is read from the client, so there is no request to parse and
/// nothing a local user could send to change the gate. Access is the socket's file mode: 0660,
/// owned by the daemon's user and by the status group (`[status] group`, default
/// rfidgate-status), so a technician in that group reads the status and nothing else: the
/// config, the credentials, the devices and the store stay with the daemon's own group.
///
/// Runs on its own thread with a blocking accept (polled, so shutdown is prompt): a slow or
/// stuck client holds this thread only, never the cooperative pool or the gate.
struct ControlSocketService: Service {
    /// `[status] socket` and `[status] group`.
    let configuredPath: String?
    let group: String
    /// The report's JSON line, built on the control thread (never blocks on the role's work).
    let report: @Sendable () -> String
    let logger: Logger

    init(config: GateConfig, logger: Logger, report: @escaping @Sendable () -> String) {
        configuredPath = config.statusSocket
        group = config.statusGroup
        self.report = report
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
        let stop = Atomic<Bool>(false)
        let report = report
        let thread = OSThread(name: "control") {
            while !stop.load(ordering: .acquiring) {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                // A client that does not read cannot hold the thread: give up after 1 s.
                var tv = timeval(tv_sec: 1, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                _ = UnixSocket.writeAll(client, Array(report().utf8))
                close(client)
            }
        }
        try? await gracefulShutdown()
        stop.store(true, ordering: .releasing)
        thread.join()
        close(fd)
        unlink(path)
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
