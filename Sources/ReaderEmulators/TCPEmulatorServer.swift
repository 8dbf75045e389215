import Readers
import Synchronization
import TagRing
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A loopback TCP server that hands every received byte to `handle` and writes back what it
/// returns: the FEIG LAN gate emulator (port 10001 on a real gate; a free port here). One
/// client at a time, as the gates allow. `dropClient()` cuts the current connection (a network
/// outage in the middle of an inventory); `stop()` ends the server.
public final class TCPEmulatorServer: @unchecked Sendable {
    public private(set) var port: UInt16 = 0
    private var listenFD: Int32 = -1
    private let stopFlag = Atomic<Bool>(false)
    private let dropFlag = Atomic<Bool>(false)
    public let connections = Atomic<Int>(0)
    private var thread: OSThread?
    private let handle: (UnsafeRawBufferPointer) -> (answer: [UInt8], delayNanos: UInt64)

    /// `handle` runs on the server thread; `delayNanos` is waited before the answer is written.
    public init(handle: @escaping (UnsafeRawBufferPointer) -> (answer: [UInt8], delayNanos: UInt64)) throws(TransportError) {
        self.handle = handle
        listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listenFD >= 0 else { throw .io("emulator socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 4) == 0 else {
            let e = errnoText(); Glibc.close(listenFD); throw .io("emulator bind/listen: \(e)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        thread = OSThread(name: "tcp-emulator") { [self] in serve() }
    }

    /// A FEIG reader on the LAN answering through `emulator`; with `realTime`, answers wait
    /// out the modelled air time.
    public static func feig(
        _ emulator: FeigEmulator, realTime: Bool = false, clock: any MonotonicClock = SystemMonotonicClock()
    ) throws(TransportError) -> TCPEmulatorServer {
        try TCPEmulatorServer { bytes in
            let (answer, air) = emulator.handle(bytes, atNanos: clock.nanoseconds())
            return (answer, realTime ? air : 0)
        }
    }

    public func dropClient() { dropFlag.store(true, ordering: .releasing) }

    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
        if listenFD >= 0 { Glibc.close(listenFD); listenFD = -1 }
    }

    deinit { stop() }

    private func serve() {
        var buf = [UInt8](repeating: 0, count: 4096)
        while !stopFlag.load(ordering: .acquiring) {
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            connections.add(1, ordering: .relaxed)
            dropFlag.store(false, ordering: .relaxed)
            while !stopFlag.load(ordering: .acquiring) && !dropFlag.load(ordering: .acquiring) {
                var c = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                guard poll(&c, 1, 50) > 0 else { continue }
                let n = buf.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                let (answer, delay) = buf.withUnsafeBytes { handle(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if delay > 0 { sleepNanos(delay) }
                if dropFlag.load(ordering: .acquiring) { break }
                var sent = 0
                while sent < answer.count {
                    let w = answer.withUnsafeBytes { Glibc.send(client, $0.baseAddress! + sent, answer.count - sent, Int32(MSG_NOSIGNAL)) }
                    if w <= 0 { break }
                    sent += w
                }
            }
            Glibc.close(client)
        }
    }
}
