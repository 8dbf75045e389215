import ReaderEmulators
import Readers
import TagRing
import Testing

@Suite("TCP transport against the FEIG LAN emulator", .serialized)
struct TCPTransportTests {
    @Test func inventoriesOverTCPAndReconnectsAfterTheLinkDrops() throws {
        let field = StaticTagField()
        for i in 0..<5 { field.place(makeTag(UInt64(i))) }
        let server = try TCPEmulatorServer.feig(FeigEmulator(field: field))
        defer { server.stop() }
        let transport = TCPTransport.reconnecting(host: "127.0.0.1", port: server.port)
        let reader = FeigReader(
            transport: transport, clock: SystemMonotonicClock(),
            options: .init(readerID: 1, responseTimeoutNanos: 300_000_000, tagCacheMaxAgeNanos: 0))
        #expect(try readsFrom(reader).count == 5)
        #expect(transport.label == "tcp 127.0.0.1:\(server.port)")
        server.dropClient()
        // The cut shows up as a disconnect (or a timeout if it lands between frames) ...
        var failed = false
        for _ in 0..<5 {
            do { _ = try readsFrom(reader) } catch { failed = true; break }
        }
        #expect(failed)
        // ... and the next cycle reconnects.
        #expect(try readsFrom(reader).count == 5)
        #expect(transport.opens == 2)
        #expect(server.connections.load(ordering: .relaxed) == 2)
        reader.shutdown()
    }

    @Test func refusedConnectionSaysWhatToCheck() throws {
        // A port nobody listens on: a server started and stopped again.
        let server = try TCPEmulatorServer { _ in ([], 0) }
        let port = server.port
        server.stop()
        #expect {
            try TCPTransport.connect(host: "127.0.0.1", port: port, timeoutNanos: 500_000_000)
        } throws: { e in
            guard case TransportError.disconnected(let why) = e else { return false }
            return why.contains("tcp 127.0.0.1:\(port)") && why.contains("wrong port")
        }
    }

    @Test func receiveTimesOutWithZeroBytes() throws {
        let server = try TCPEmulatorServer { _ in ([], 0) }
        defer { server.stop() }
        let t = try TCPTransport.connect(host: "127.0.0.1", port: server.port)
        defer { t.close() }
        var buf = [UInt8](repeating: 0, count: 16)
        #expect(try buf.withUnsafeMutableBytes { try t.receive(into: $0, timeoutNanos: 30_000_000) } == 0)
    }
}
