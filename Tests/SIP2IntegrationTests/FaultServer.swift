import Foundation
import SIP2
import SIP2Client

#if canImport(Glibc)
import Glibc
#endif

/// The project's own misbehaving ACS for the F cases (and Koha-style CRLF): a loopback TCP server
/// that answers each request from a script. Blocking sockets, one thread per connection: SIP2 is
/// strictly request/response, so a script can delay, split, coalesce, corrupt, drop or close at will.
/// With `upstream` set it is a fault-injecting proxy in front of a real peer (D5, E6).
final class FaultServer: @unchecked Sendable {
    struct Request: Sendable {
        var connection: Int
        var index: Int  // per connection, from 0
        var frame: [UInt8]  // without CR
        var message: SIP2Message?
        var code: String { message?.code ?? String(decoding: frame.prefix(2), as: UTF8.self) }
        var sequence: Int? { message?.sequence }
    }

    enum Action: Sendable {
        case bytes([UInt8])
        case pause(milliseconds: Int)
        case close
        /// Proxy mode: the upstream's answer (read up to its CR), passed on unless dropped.
        case forward(drop: Bool)
        /// Proxy mode with damage in transit: the request's or the answer's last checksum digit changed.
        case forwardCorrupted(request: Bool, answer: Bool)
    }

    typealias Script = @Sendable (Request, FaultServer) -> [Action]

    let port: Int
    private let listenFD: Int32
    private let script: Script
    private let upstreamPort: Int?
    private let lock = NSLock()
    private var _received: [Request] = []
    private var _connections = 0
    private var stopped = false
    private var clientFDs: [Int32] = []

    var received: [Request] { lock.withLock { _received } }
    var connections: Int { lock.withLock { _connections } }

    init(upstreamPort: Int? = nil, script: @escaping Script) throws {
        self.script = script
        self.upstreamPort = upstreamPort
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(listenFD, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.listenFD = listenFD
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Shuts sockets down but never closes them: each is closed by the thread that owns it, after
    /// it left the set under the lock, so a recycled descriptor number (another test's socket in
    /// this process) is never touched.
    func stop() {
        lock.withLock {
            stopped = true
            for fd in clientFDs { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listenFD, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            let n: Int? = lock.withLock {
                if stopped { return nil }
                clientFDs.append(fd)
                _connections += 1
                return _connections - 1
            }
            guard let n else { close(fd); return }
            Thread.detachNewThread { [self] in serve(fd, connection: n) }
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer {
            lock.withLock { clientFDs.removeAll { $0 == fd } }
            close(fd)
        }
        var upstream: Int32 = -1
        if let up = upstreamPort { upstream = FaultServer.connect(port: up) }
        defer { if upstream >= 0 { close(upstream) } }
        var framer = SIP2Framer()
        var index = 0
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return }
            for f in framer.append(buf[0..<n]) {
                let req = Request(connection: connection, index: index, frame: f.bytes, message: try? SIP2Decoder().decode(f.bytes))
                index += 1
                lock.withLock { _received.append(req) }
                for action in script(req, self) {
                    switch action {
                    case .bytes(let b): if !FaultServer.writeAll(fd, b) { return }
                    case .pause(let ms): usleep(useconds_t(ms * 1000))
                    case .close: return
                    case .forward(let drop):
                        guard upstream >= 0, FaultServer.writeAll(upstream, f.bytes + [0x0D]),
                            let answer = FaultServer.readFrame(upstream)
                        else { return }
                        if !drop, !FaultServer.writeAll(fd, answer) { return }
                    case .forwardCorrupted(let request, let answer):
                        let out = request ? FaultServer.corrupt(f.bytes) : f.bytes
                        guard upstream >= 0, FaultServer.writeAll(upstream, out + [0x0D]),
                            let back = FaultServer.readFrame(upstream)
                        else { return }
                        let body = back.last == 0x0D ? Array(back.dropLast()) : back
                        if !FaultServer.writeAll(fd, (answer ? FaultServer.corrupt(body) : body) + (back.last == 0x0D ? [0x0D] : [])) {
                            return
                        }
                    }
                }
            }
        }
    }

    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return -1 }
        return fd
    }

    /// Changes the last byte (a checksum digit) so the AZ no longer verifies.
    static func corrupt(_ frame: [UInt8]) -> [UInt8] {
        guard let last = frame.last else { return frame }
        return frame.dropLast() + [last == 0x30 ? 0x31 : 0x30]
    }

    /// Reads up to and including CR; gives up (returning what came) after 3 s without a CR, which
    /// is how invenio's resend without CR looks.
    static func readFrame(_ fd: Int32) -> [UInt8]? {
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var b: UInt8 = 0
        while read(fd, &b, 1) == 1 {
            out.append(b)
            if b == 0x0D { return out }
        }
        return out.isEmpty ? nil : out
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    // MARK: building answers

    /// A response frame: `body` + AY (mirroring the request's) + AZ + CR, optionally with a wrong
    /// checksum, a 3-digit checksum, a forced AY, or CRLF.
    static func frame(
        _ body: String, to req: Request?, badChecksum: Bool = false, sequence: Int?? = nil, crlf: Bool = false, trailer: Bool = true
    ) -> [UInt8] {
        var out = Array(body.utf8)
        if trailer {
            let seq = sequence ?? req?.sequence
            if let seq { out += Array("AY\(seq)".utf8) }
            out += Array("AZ".utf8)
            var cks = SIP2Checksum.compute(out)
            if badChecksum { cks &+= 1 }
            out += SIP2Checksum.hex(cks)
        }
        out.append(0x0D)
        if crlf { out.append(0x0A) }
        return out
    }

    static var date: String { SIP2Clock.now().description }  // "now": no clock-skew warnings

    /// A well-behaved ACS: login sc_user/sc_pass, an ACS status, items B* available until checked out.
    static func standard(_ req: Request, crlf: Bool = false, state: ItemState? = nil, acs: String = "98YYYYYY999003") -> [UInt8] {
        let m = req.message
        func f(_ body: String) -> [UInt8] { frame(body, to: req, crlf: crlf) }
        switch req.code {
        case "93": return f(m?["CN"] == "sc_user" && m?["CO"] == "sc_pass" ? "941" : "940")
        case "99": return f(acs + date + "2.00AODEMO|AMFault Library|BXYYYYYYYYYYYYYYYY|")
        case "17":
            let item = m?["AB"] ?? ""
            let charged = state?.isCharged(item) ?? false
            return f("18\(charged ? "04" : "03")0201\(date)AB\(item)|AJTitle \(item)|" + (charged ? "AH20251205    235900|" : ""))
        case "11":
            let item = m?["AB"] ?? ""
            let renewal = state?.checkout(item) ?? false
            return f(
                "121\(renewal ? "Y" : "N")NY\(date)AODEMO|AA\(m?["AA"] ?? "")|AB\(item)|AJTitle \(item)|AH20251205    235900|AFChecked out|"
            )
        case "09":
            let item = m?["AB"] ?? ""
            state?.checkin(item)
            return f("101YNN\(date)AODEMO|AB\(item)|AQMain|AJTitle \(item)|")
        case "23": return f("24              001\(date)AODEMO|AA\(m?["AA"] ?? "")|AEPatron|BLY|CQY|")
        case "35": return f("36Y\(date)AODEMO|AA\(m?["AA"] ?? "")|")
        default: return frame("96", to: nil, crlf: crlf)
        }
    }

    /// Loan state of the standard ACS, to count second loans.
    final class ItemState: @unchecked Sendable {
        private let lock = NSLock()
        private var charged: Set<String> = []
        private(set) var checkouts: [String: Int] = [:]
        private(set) var renewals: [String: Int] = [:]
        func isCharged(_ i: String) -> Bool { lock.withLock { charged.contains(i) } }
        func checkout(_ i: String) -> Bool {
            lock.withLock {
                if charged.contains(i) { renewals[i, default: 0] += 1; return true }
                charged.insert(i); checkouts[i, default: 0] += 1; return false
            }
        }
        func checkin(_ i: String) { _ = lock.withLock { charged.remove(i) } }
        var totals: (checkouts: Int, renewals: Int) { lock.withLock { (checkouts.values.reduce(0, +), renewals.values.reduce(0, +)) } }
    }
}
