import Foundation
import ISO28560
import ReaderEmulators
import Readers
import Testing

/// `rfidgatectl readers scan` against a FEIG gate on the LAN (the TCP emulator in this
/// process), as a technician runs it after wiring: every tag with its decoded item id.
@Suite("rfidgatectl readers", .serialized)
struct ReadersCLITests {
    static func field() throws -> StaticTagField {
        let field = StaticTagField()
        for (i, pii) in ["39010000000524", "39010000000531"].enumerated() {
            let memory = try Part2.encode(ItemRecord(primaryItemIdentifier: pii, ownerInstitution: "DK-718500"), blockSize: 4)
            field.place(EmulatedTag(uid: 0xE004_0100_0000_0010 + UInt64(i), dsfid: 0x06, afi: i == 0 ? 0x07 : 0xC2, memory: memory))
        }
        return field
    }

    @Test func scanOncePrintsEveryTagWithItsItemID() throws {
        let server = try TCPEmulatorServer.feig(FeigEmulator(field: try Self.field()))
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("gate.toml")
        try """
        [[readers]]
        id = "north"
        driver = "feig-tcp"
        host = "127.0.0.1"
        port = \(server.port)
        antennas = [1]
        """.write(to: config, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = try DaemonBinaryTests.product("rfidgatectl")
        p.arguments = ["readers", "scan", "--once", "--config", config.path, "--reader", "north"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("scanning north (feig-tcp, tcp 127.0.0.1:\(server.port))"))
        #expect(text.contains("UID E004010000000010  ant 1  rssi"))
        #expect(text.contains("AFI 07 secured"))
        #expect(text.contains("item 39010000000524 (28560-2) owner DK-718500"))
        #expect(text.contains("item 39010000000531 (28560-2)"))
    }

    @Test func listShowsConfiguredLANReadersAndTheirState() throws {
        let server = try TCPEmulatorServer.feig(FeigEmulator(field: StaticTagField()))
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-cli-list-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("gate.toml")
        try """
        [[readers]]
        id = "north"
        driver = "feig-tcp"
        host = "127.0.0.1"
        port = \(server.port)
        """.write(to: config, atomically: true, encoding: .utf8)
        // ReaderScan lives in rfidgatectl (which does not link the daemon): run it as a technician does.
        let p = Process()
        p.executableURL = try DaemonBinaryTests.product("rfidgatectl")
        p.arguments = ["readers", "list", "--config", config.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("READER") == true)
        #expect(lines.contains { $0.hasPrefix("north") && $0.contains("127.0.0.1:\(server.port)") && $0.hasSuffix("reachable") })
    }
}
