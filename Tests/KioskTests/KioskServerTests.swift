import Foundation
import HummingbirdWSClient
import Kiosk
import KioskCore
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The kiosk server's guard and live views over real loopback sockets, with the gate's screen
/// behind it (no readers or store needed): what reaches the API from where, and what it says.
@Suite(.serialized) struct KioskServerTests {
    /// A running server on a free port; `url` is its base address.
    final class Running: Sendable {
        let task: Task<Void, any Error>
        let url: String
        let port: Int
        let screen: GateScreen

        init() async throws {
            let screen = GateScreen(language: .en)
            let address = Mutex<String?>(nil)
            let server = KioskServer(
                settings: KioskSettings(listen: .tcp(host: "127.0.0.1", port: 0), allowedHosts: ["kiosk.local"]),
                screen: .gate(screen), logger: Logger(label: "kiosk-test"), onListening: { a in address.withLock { $0 = a } })
            task = Task { try await server.run() }
            var found: String?
            for _ in 0..<400 {
                found = address.withLock { $0 }
                if found != nil { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            let base = try #require(found, "the server did not start")
            url = String(base.dropLast())
            port = Int(url.split(separator: ":").last ?? "") ?? 0
            self.screen = screen
        }

        func stop() { task.cancel() }

        /// One raw HTTP/1.1 exchange (so the Host and Origin headers are exactly ours), on a
        /// Dispatch thread: blocking the cooperative pool would starve the server's handlers.
        func raw(_ request: String) async throws -> (status: Int, head: String, body: String) {
            try await withCheckedThrowingContinuation { c in
                DispatchQueue.global().async { c.resume(with: Result { try self.rawBlocking(request) }) }
            }
        }

        func rawBlocking(_ request: String) throws -> (status: Int, head: String, body: String) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let bytes = Array(request.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { break }
                sent += n
            }
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                out += buf[0..<n]
            }
            let text = String(decoding: out, as: UTF8.self)
            let parts = text.components(separatedBy: "\r\n\r\n")
            let head = parts.first ?? ""
            let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            return (status, head, parts.dropFirst().joined(separator: "\r\n\r\n"))
        }

        func get(_ path: String, host: String? = nil, extra: String = "") async throws -> (status: Int, head: String, body: String) {
            try await raw("GET \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n\(extra)Connection: close\r\n\r\n")
        }

        func post(
            _ path: String, body: String, type: String = "application/json", extra: String = ""
        ) async throws -> (
            status: Int, head: String, body: String
        ) {
            try await raw(
                "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(body)"
            )
        }
    }

    @Test func pagesAndTheDocumentAreServedWithTheirLockingHeaders() async throws {
        let s = try await Running()
        defer { s.stop() }
        let page = try await s.get("/")
        #expect(page.status == 200 && page.head.lowercased().contains("content-type: text/html"))
        #expect(page.head.contains("Content-Security-Policy: default-src 'self'"))
        #expect(page.head.contains("X-Frame-Options: DENY") && page.head.contains("X-Content-Type-Options: nosniff"))
        #expect(!page.head.lowercased().contains("access-control-allow-origin"), "no CORS")
        let doc = try await s.get("/api/openapi.json")
        #expect(doc.status == 200 && doc.body.contains("\"openapi\": \"3.1.0\""))
        let health = try await s.get("/api/health")
        #expect(health.body.contains("\"role\":\"gate\""))
        #expect(try await s.get("/assets/../../etc/passwd").status == 404)
        #expect(try await s.get("/assets/nothing.js").status == 404)
    }

    @Test func otherHostsAndOtherSitesAreRefused() async throws {
        let s = try await Running()
        defer { s.stop() }
        // DNS rebinding: a page on evil.example resolving to 127.0.0.1 names its own host.
        #expect(try await s.get("/api/gate", host: "evil.example:\(s.port)").status == 421)
        #expect(try await s.get("/api/gate", host: "kiosk.local:\(s.port)").status == 200)
        #expect(try await s.get("/api/gate", host: "localhost:\(s.port)").status == 200)
        // A write from another site's page (a form or fetch in the kiosk browser's other tab).
        let cross = try await s.post("/api/sim/pad", body: "{}", extra: "Origin: http://evil.example\r\n")
        #expect(cross.status == 403 && cross.body.contains("\"code\":\"origin\""))
        let fetchMeta = try await s.post("/api/sim/pad", body: "{}", extra: "Sec-Fetch-Site: cross-site\r\n")
        #expect(fetchMeta.status == 403)
        // The same origin passes the guard (and a gate has no simulated pad: 404).
        #expect(try await s.post("/api/sim/pad", body: "{}", extra: "Origin: http://127.0.0.1:\(s.port)\r\n").status == 404)
        #expect(try await s.get("/api/station").status == 404)
        #expect(try await s.get("/api/gate/events").status == 400)
    }

    @Test func theGateViewGoesLiveToEveryPageAndIsEscaped() async throws {
        let s = try await Running()
        defer { s.stop() }
        let received = Mutex<[String]>([])
        let client = Task {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(s.port)/api/gate/events", logger: Logger(label: "ws-test")) {
                inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    if case .text(let t) = message { received.withLock { $0.append(t) } }
                }
            }
        }
        defer { client.cancel() }
        let connected = await waitFor { received.withLock { $0.count } >= 1 }
        if !connected, case .failure(let e) = await client.result { Issue.record("the WebSocket client failed: \(e)") }
        #expect(connected)
        let hostile = GateView.Alarm(
            at: "2026-12-02 10:00:00", item: "X1", title: "</script><img src=x onerror=alert(1)>\u{1B}[2J", callNumber: "I247.5/1",
            shelfLocation: "2F", reason: "secured (not checked out)", reasonCode: "secured", reader: "gate-1", antenna: 1)
        s.screen.replace(alarmsToday: 1, visitorsHour: .init(), visitorsToday: .init(), alarms: [hostile])
        #expect(await waitFor { received.withLock { $0.count } >= 2 })
        let last = received.withLock { $0.last } ?? ""
        #expect(last.contains("\"alarms_today\":1") && last.contains("\"call_number\":\"I247.5\\/1\"") || last.contains("I247.5/1"))
        // JSON keeps the markup as text and the escape byte escaped; the page shows it as text.
        #expect(!last.unicodeScalars.contains { $0.value == 0x1B })
        let decoded = try JSONDecoder().decode(GateView.self, from: Data(last.utf8))
        #expect(decoded.alarms.first?.title == hostile.title && decoded.revision >= 1)
    }

    @Test func aPageOfAnotherSiteCannotOpenTheLiveView() async throws {
        let s = try await Running()
        defer { s.stop() }
        var config = WebSocketClientConfiguration()
        config.additionalHeaders = [.origin: "http://evil.example"]
        await #expect(throws: (any Error).self) {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(s.port)/api/gate/events", configuration: config, logger: Logger(label: "ws-test")
            ) { _, _, _ in }
        }
    }

    @Test func theUnixSocketServesTheSameAPI() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-\(UInt32.random(in: 0...UInt32.max)).sock").path
        defer { unlink(path) }
        let screen = GateScreen(language: .zh)
        let address = Mutex<String?>(nil)
        let server = KioskServer(
            settings: KioskSettings(listen: .unix(path: path)), screen: .gate(screen), logger: Logger(label: "kiosk-test"),
            onListening: { a in address.withLock { $0 = a } })
        let task = Task { try await server.run() }
        defer { task.cancel() }
        #expect(await waitFor { address.withLock { $0 } != nil })
        #expect(address.withLock { $0 } == "unix:\(path)")
        let answer = try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, any Error>) in
            DispatchQueue.global().async {
                c.resume(
                    with: Result {
                        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                        defer { close(fd) }
                        var addr = sockaddr_un()
                        addr.sun_family = sa_family_t(AF_UNIX)
                        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
                        }
                        let rc = withUnsafePointer(to: &addr) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                            }
                        }
                        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
                        let request = Array("GET /api/gate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
                        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                        var out: [UInt8] = []
                        var buf = [UInt8](repeating: 0, count: 4096)
                        while true {
                            let n = recv(fd, &buf, buf.count, 0)
                            if n <= 0 { break }
                            out += buf[0..<n]
                        }
                        return String(decoding: out, as: UTF8.self)
                    })
            }
        }
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("\"alarms_today\":0"), "\(answer.prefix(300))")
    }

    func waitFor(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }
}
