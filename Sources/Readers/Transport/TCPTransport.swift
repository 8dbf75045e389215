import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A reader on the LAN (FEIG LR/LRU gates on port 10001, LLRP readers on 5084) as a
/// `ReaderTransport`: a non-blocking TCP socket, with poll() for the timeouts. A reset or a
/// close by the reader is `.disconnected`; wrap it in `TCPTransport.reconnecting` so the reader
/// thread reconnects with backoff.
public final class TCPTransport: ReaderTransport, @unchecked Sendable {
    public let label: String
    private var fd: Int32

    private init(fd: Int32, label: String) {
        self.fd = fd
        self.label = label
    }

    deinit { close() }

    /// Connects within `timeoutNanos`. Errors name the address and the likely cause.
    public static func connect(host: String, port: UInt16, timeoutNanos: UInt64 = 2_000_000_000) throws(TransportError) -> TCPTransport {
        let label = "tcp \(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let gai = getaddrinfo(host, String(port), &hints, &res)
        guard gai == 0, let first = res else {
            throw .disconnected(
                "\(label): cannot resolve the address (\(String(cString: gai_strerror(gai)))): check the host in rfidgate.toml")
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(
                a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            if fd < 0 { lastError = errnoText(); continue }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return TCPTransport(fd: fd, label: label) }
            if errno != EINPROGRESS { lastError = errnoText(); Glibc.close(fd); continue }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&p, 1, Int32(timeoutNanos / 1_000_000))
            if ready <= 0 { lastError = "no answer within \(timeoutNanos / 1_000_000) ms"; Glibc.close(fd); continue }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 { lastError = String(cString: strerror(soError)); Glibc.close(fd); continue }
            return TCPTransport(fd: fd, label: label)
        }
        throw .disconnected("\(label): \(lastError): reader off or unreachable, wrong port, or another program holds its connection")
    }

    /// A transport that reconnects (on the next request) after the connection drops.
    public static func reconnecting(host: String, port: UInt16, connectTimeoutNanos: UInt64 = 2_000_000_000) -> ReconnectingTransport {
        ReconnectingTransport(label: "tcp \(host):\(port)") { () throws(TransportError) -> any ReaderTransport in
            try connect(host: host, port: port, timeoutNanos: connectTimeoutNanos)
        }
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        guard fd >= 0 else { throw .disconnected("\(label) is closed") }
        var sent = 0
        while sent < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if n > 0 { sent += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 1000) == 0 { throw .timedOut("\(label): the reader does not take data") }
                continue
            }
            throw .disconnected("\(label): connection lost (\(errnoText()))")
        }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutNanos: UInt64) throws(TransportError) -> Int {
        guard fd >= 0 else { throw .disconnected("\(label) is closed") }
        let deadline = monotonicNanos() &+ timeoutNanos
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return n }
            if n == 0 { throw .disconnected("\(label): connection closed by the reader") }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw .disconnected("\(label): connection lost (\(errnoText()))")
            }
            let now = monotonicNanos()
            if now >= deadline { return 0 }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(min((deadline - now + 999_999) / 1_000_000, 60_000))
            if poll(&p, 1, ms) == 0 { return 0 }
        }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}

package func errnoText() -> String { String(cString: strerror(errno)) }
