import ArgumentParser
import Foundation
import SIP2
import SIP2Client
import SIP2Sync

/// `sip2`: replays queued transactions from a fresh outbox to the local invenio-sip2 peer
/// (scripts/sip2-peers.sh install) and reports:
/// - `replay_tx_per_s`: outbox entries replayed per second end to end (SQLite FULL sync included);
/// - `client_us_per_message`: this process's CPU time per request/answer exchange (item
///   information, one connection: client, NIO threads, codec; the peer runs in its own process,
///   so the server is excluded), and `client_round_trip_us` the wall time of one exchange;
/// - `replay_cpu_us_per_tx`: this process's CPU per replayed transaction (client + outbox writes);
/// - `codec_us_per_message`: encode + frame + decode of a checkout pair alone.
struct SIP2Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sip2", abstract: "SIP2 outbox replay against the invenio peer.")

    @Option(help: "Queued checkouts to replay.") var transactions = 10_000
    @Option(help: "Port for the peer (0 = any free one).") var port = 0
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() throws {
        let python = ".build/sip2-venv/invenio/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("the invenio peer is not installed: run scripts/sip2-peers.sh install (from the repository root)")
        }
        let (sipPort, ctlPort) = (port == 0 ? freeTCPPort() : port, freeTCPPort())
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: python)
        peer.arguments = ["Tests/SIP2IntegrationTests/Peers/sip2_peer.py", "invenio", String(sipPort), String(ctlPort)]
        peer.standardOutput = FileHandle.nullDevice
        peer.standardError = FileHandle.nullDevice
        try peer.run()
        defer { kill(peer.processIdentifier, SIGKILL); peer.waitUntilExit() }  // invenio may linger on SIGTERM
        let deadline = Date().addingTimeInterval(60)
        while !tcpOpen(sipPort) {
            guard Date() < deadline, peer.isRunning else { throw ValidationError("the invenio peer did not start") }
            usleep(100_000)
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-bench-sip2-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try CirculationOutbox(path: dir.appendingPathComponent("outbox.sqlite").path)
        let base = SIP2Clock.unixNow() - 3600
        for i in 0..<transactions {
            try store.enqueue(
                NewOutboxEntry(
                    key: "bench-\(i)", kind: .checkout, patron: "Q\(i % 100)", item: "BX\(i)", transactionUnix: base + Int64(i),
                    transactionDate: SIP2Clock.date(unixSeconds: base + Int64(i)),
                    nbDueDate: SIP2Clock.date(unixSeconds: base + 14 * 86_400)))
        }
        let client = SIP2Client(
            SIP2ClientConfiguration(
                host: "127.0.0.1", port: sipPort, login: "sc_user", password: "sc_pass", location: "DEMO", institution: "DEMO"))
        // Client alone: item information on one warm connection.
        let probes = 2000
        let (clientCPU, clientWall) = try runBlockingBench { () async throws -> (Double, Double) in
            _ = try await client.itemInformation("I0001")
            let c0 = cpuSeconds(), w0 = ContinuousClock.now
            for _ in 0..<probes { _ = try await client.itemInformation("I0001") }
            return (cpuSeconds() - c0, (ContinuousClock.now - w0) / .seconds(1))
        }
        let sync = SyncService(store: store, client: client)
        let cpu0 = cpuSeconds(), t0 = ContinuousClock.now
        let result = try runBlockingBench { await sync.replayRound() }
        let wall = (ContinuousClock.now - t0) / .seconds(1), cpu = cpuSeconds() - cpu0
        guard result.done == transactions else {
            throw ValidationError("replayed \(result.done) of \(transactions): \(result.stoppedBy ?? "?")")
        }
        report(
            "sip2: \(transactions) queued checkouts replayed to invenio-sip2 1.0.0 on loopback; \(probes) item-information exchanges",
            [
                ("replay_tx_per_s", (Double(transactions) / wall).rounded()),
                ("client_us_per_message", clientCPU * 1e6 / Double(probes)),
                ("client_round_trip_us", clientWall * 1e6 / Double(probes)),
                ("replay_cpu_us_per_tx", cpu * 1e6 / Double(transactions)),
                ("codec_us_per_message", codecMicros()),
                ("replay_seconds", wall),
            ], json: json)
    }

    func codecMicros() -> Double {
        let enc = SIP2Encoder(), dec = SIP2Decoder()
        let req = CheckoutRequest(
            noBlock: true, transactionDate: SIP2Date(year: 2025, month: 1, day: 1), nbDueDate: SIP2Date(year: 2025, month: 1, day: 15),
            institution: "DEMO", patron: "Q1", item: "BX1")
        let answer = Array(
            "121NNY20251121    120000AODEMO|AAQ1|ABBX1|AJBulk item X1|AH20251205    235900|CK001|AFChecked out|AY3AZE473\r".utf8)
        let n = 50_000
        var sink = 0
        let t0 = ContinuousClock.now
        for i in 0..<n {
            let wire = (try? enc.encode(req.message, sequence: i)) ?? []
            var framer = SIP2Framer()
            for f in framer.append(answer) {
                if let m = try? dec.decode(f.bytes), case .checkout(let r)? = try? SIP2Response(m) { sink &+= r.title.utf8.count }
            }
            sink &+= wire.count
        }
        precondition(sink > 0)
        return (ContinuousClock.now - t0) / .microseconds(1) / Double(n)
    }
}

func freeTCPPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: a.sin_port))
}

func tcpOpen(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    a.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

func runBlockingBench<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingBox<T>(), sem = DispatchSemaphore(value: 0)
    Task {
        do { box.r = .success(try await body()) } catch { box.r = .failure(error) }; sem.signal()
    }
    sem.wait()
    return try box.r!.get()
}

/// Carries the async result back to the waiting thread (written once, read after the signal).
final class BlockingBox<T>: @unchecked Sendable { var r: Result<T, Error>? }
