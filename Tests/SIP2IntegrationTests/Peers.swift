import Foundation
import SIP2
import SIP2Client
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Starts the third-party peers (Peers/sip2_peer.py in the venvs scripts/sip2-peers.sh installs)
/// on free loopback ports. A missing venv fails the test that needs it, with the command that
/// installs it (`./scripts/setup.sh --tests`): nothing is skipped, here or in CI.
enum PeerKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case invenio, pysip2
    var testDescription: String { rawValue }
}

enum PeerEnv {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func python(_ k: PeerKind) -> String { repo.appendingPathComponent(".build/sip2-venv/\(k.rawValue)/bin/python").path }
    static func installed(_ k: PeerKind) -> Bool { FileManager.default.isExecutableFile(atPath: python(k)) }
    static let missingMessage = "SIP2 peers not installed: run ./scripts/setup.sh --tests (or scripts/sip2-peers.sh install)"
}

final class Peer: @unchecked Sendable {
    let kind: PeerKind
    let port: Int
    let controlPort: Int
    private var process: Process?
    private let environment: [String: String]

    init(
        _ kind: PeerKind, errorDetection: Bool = true, port: Int? = nil, encoding: String = "utf-8",
        environment extra: [String: String] = [:]
    ) throws {
        self.kind = kind
        self.port = try port ?? freePort()
        controlPort = try freePort()
        var env = ProcessInfo.processInfo.environment
        env["SIP2PEER_ERROR_DETECTION"] = errorDetection ? "1" : "0"
        env["SIP2PEER_ENCODING"] = encoding
        env.merge(extra) { $1 }
        environment = env
        try start()
    }

    func start() throws {
        guard PeerEnv.installed(kind) else { throw PeerError(PeerEnv.missingMessage) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PeerEnv.python(kind))
        p.arguments = [
            PeerEnv.repo.appendingPathComponent("Tests/SIP2IntegrationTests/Peers/sip2_peer.py").path, kind.rawValue, String(port),
            String(controlPort),
        ]
        p.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sip2-peer-\(kind.rawValue)-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let h = try FileHandle(forWritingTo: log)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if canConnect(port) && canConnect(controlPort) { return }
            if !p.isRunning { throw PeerError("\(kind.rawValue) peer exited at start; see \(log.path)") }
            usleep(100_000)
        }
        throw PeerError("\(kind.rawValue) peer did not open port \(port) in 30 s; see \(log.path)")
    }

    /// SIGKILL and wait (A8: the server process dies).
    func kill() {
        guard let p = process, p.isRunning else { return }
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func restart() throws { kill(); try start() }

    deinit { kill() }

    func configuration(errorDetection: Bool = true, timeout: Duration = .seconds(5)) -> SIP2ClientConfiguration {
        // pysip2 rejects a blank nb due date, so fill it with the transaction date there.
        SIP2ClientConfiguration(
            host: "127.0.0.1", port: port, login: "sc_user", password: "sc_pass", location: "DEMO",
            institution: "DEMO", currentLocation: "Main", errorDetection: errorDetection,
            nbDueDateFiller: kind == .pysip2 ? .transactionDate : .blank,
            requestTimeout: timeout, minimumRequestTimeout: timeout, reconnectBackoff: .milliseconds(50))
    }

    /// The peer ILS's state (control port): item -> counters and status.
    func state() throws -> (items: [String: [String: Any]], events: [[String: Any]]) {
        let reply = try control("STATE")
        let obj = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as! [String: Any]
        return (obj["items"] as! [String: [String: Any]], obj["events"] as! [[String: Any]])
    }

    func reset() throws { _ = try control("RESET") }

    private func control(_ cmd: String) throws -> String {
        let fd = FaultServer.connect(port: controlPort)
        guard fd >= 0 else { throw PeerError("control port \(controlPort) closed") }
        defer { close(fd) }
        FaultServer.writeAll(fd, Array((cmd + "\n").utf8))
        var out: [UInt8] = []
        var b: UInt8 = 0
        while read(fd, &b, 1) == 1 { if b == 0x0A { break }; out.append(b) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Runs blocking work (process start-up, polling, waiting for exits) on its own thread, so the
/// two-thread cooperative pool of a 2-core box keeps serving the other tests' timers and clients.
/// It stays in the calling task (a task-executor preference, not a detached thread), so every
/// `#expect` inside is attributed to the test that called it, not to «unknown».
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let executor = DedicatedThreadExecutor()
    return try await withTaskExecutorPreference(executor) { try body() }
}

/// A task executor backed by one serial (overcommitting) dispatch queue: its own thread.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "test.off-pool")
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let me = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: me) }
    }
}

struct PeerError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func freePort() throws -> Int {
    let s = try FaultServer(script: { _, _ in [] })
    defer { s.stop() }
    return s.port
}

func canConnect(_ port: Int) -> Bool {
    let fd = FaultServer.connect(port: port)
    if fd >= 0 { close(fd); return true }
    return false
}

/// Collects the frames a client sends and receives (assertions on bytes).
final class FrameLog: @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [(SIP2Client.Direction, [UInt8])] = []
    var trace: SIP2Client.Trace { { [self] d, b in lock.withLock { frames.append((d, b)) } } }
    var sent: [String] { lock.withLock { frames.filter { $0.0 == .sent }.map { String(decoding: $0.1, as: UTF8.self) } } }
    var received: [String] { lock.withLock { frames.filter { $0.0 == .received }.map { String(decoding: $0.1, as: UTF8.self) } } }
}

/// Every suite that runs third-party peers or subprocesses nests here and runs one test at a time:
/// on a 2-core box, several Python servers starting at once starve the rest of `swift test`
/// (the rfidgated end-to-end test counts alarms within seconds).
@Suite(.serialized) struct SIP2PeerSuites {}

/// Waits (without blocking the pool) until `condition` holds or `seconds` pass; timing-based
/// checks stay correct when a loaded CI box delays tasks.
func eventually(within seconds: Double = 15, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}
