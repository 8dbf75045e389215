import Foundation
import Readers
import TagRing
import Testing

/// The LLRP driver against `llrpkit emulate` (PyPI llrpkit, an independent LLRP implementation
/// with a reader emulator) on loopback. `./scripts/setup.sh --tests` installs the pinned llrpkit
/// into .build/llrpkit-venv; without it these tests fail and say how to install it.
let llrpkitPath: String = {
    if let p = ProcessInfo.processInfo.environment["RFIDGATE_LLRPKIT"] { return p }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/llrpkit-venv/bin/llrpkit").path
}()

/// A running `llrpkit emulate` and the port it listens on.
final class LLRPKitEmulator {
    let process = Process()
    let port: UInt16

    init(tags: Int, rate: Double) throws {
        guard FileManager.default.isExecutableFile(atPath: llrpkitPath) else {
            throw LLRPKitError(output: "llrpkit not found at \(llrpkitPath): run ./scripts/setup.sh --tests")
        }
        process.executableURL = URL(fileURLWithPath: llrpkitPath)
        process.arguments = ["emulate", "--port", "0", "--tags", "\(tags)", "--rate", "\(rate)", "--antennas", "2"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        // Python buffers a piped stdout: without this the port line never arrives.
        var env = ProcessInfo.processInfo.environment
        env["PYTHONUNBUFFERED"] = "1"
        process.environment = env
        try process.run()
        // "emulated Impinj-style reader on port 34461 (...)"
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("port "), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let r = text.range(of: "port "), let p = UInt16(text[r.upperBound...].prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            throw LLRPKitError(output: text)
        }
        port = p
    }

    deinit {
        // llrpkit stops on SIGINT (Ctrl-C); SIGTERM is ignored by its event loop.
        process.interrupt()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct LLRPKitError: Error { let output: String }

@Suite("LLRP driver against llrpkit's reader emulator", .serialized)
struct LLRPEmulatorTests {
    @Test func inventoryReportsEPCPCWordAndUserMemory() throws {
        let emu = try LLRPKitEmulator(tags: 4, rate: 200)
        let transport = TCPTransport.reconnecting(host: "127.0.0.1", port: emu.port)
        let reader = LLRPReader(
            transport: transport, clock: SystemMonotonicClock(), options: .init(readerID: 4, cycleNanos: 200_000_000, readUserMemory: true))
        defer { reader.shutdown() }
        var userMemoryReads = 0
        reader.userMemoryHandler = { _, mem in
            userMemoryReads += 1
            #expect(mem.count == 64)
        }
        var reads: [TagRead] = []
        for _ in 0..<5 { try reader.inventoryCycle { reads.append(copy $0) } }
        #expect(reads.count > 5)
        #expect(userMemoryReads == reads.count)
        let epcs = Set(reads.map { $0.withID { Array($0) } })
        #expect(epcs.count >= 2 && epcs.count <= 4)
        for r in reads {
            #expect(r.kind == .epcGen2 && r.idLength == 12)
            #expect(r.antenna == 1 || r.antenna == 2)
            #expect(r.rssi != .min)
            // PC word (96-bit EPC: length 6 words, no toggle) then the EPC itself.
            #expect(r.flags.contains(.memoryValid))
            #expect(r.withMemory { Array($0.prefix(2)) } == [0x30, 0x00])
            #expect(r.withMemory { Array($0.dropFirst(2)) } == r.withID { Array($0) })
            #expect(r.afi == 0)
        }
    }

    @Test func writesUserMemoryAndReportsARefusedPCWrite() throws {
        let emu = try LLRPKitEmulator(tags: 1, rate: 100)
        let transport = TCPTransport.reconnecting(host: "127.0.0.1", port: emu.port)
        let reader = LLRPReader(
            transport: transport, clock: SystemMonotonicClock(), options: .init(readerID: 4, cycleNanos: 150_000_000, readUserMemory: true))
        defer { reader.shutdown() }
        var reads: [TagRead] = []
        try reader.inventoryCycle { reads.append(copy $0) }
        let tag = try #require(reads.first)
        let epc = tag.withID { Array($0) }
        try reader.write(epc: epc, bank: 3, wordPointer: 0, words: [0x0611, 0x2233])
        var firstWords: [UInt8] = []
        reader.userMemoryHandler = { _, mem in firstWords = Array(mem.prefix(4)) }
        try reader.inventoryCycle { _ in }
        #expect(firstWords == [0x06, 0x11, 0x22, 0x33])
        // llrpkit's emulator models EPC-bank writes from word 2 only, so a PC-word (AFI)
        // write comes back as "tag memory overrun": the driver must say so, typed.
        #expect(throws: ReaderError.refused(command: "tag write", reason: "tag memory overrun")) {
            try reader.writePC(epc: epc, currentPC: 0x3000, afi: 0x07)
        }
        // ... and keeps reading afterwards.
        var after = 0
        try reader.inventoryCycle { _ in after += 1 }
        #expect(after > 0)
    }

    @Test func secondClientIsRefusedWithAClearMessageAndReconnectWorks() throws {
        let emu = try LLRPKitEmulator(tags: 2, rate: 100)
        let first = LLRPReader(
            transport: TCPTransport.reconnecting(host: "127.0.0.1", port: emu.port), clock: SystemMonotonicClock(),
            options: .init(readerID: 1))
        try first.inventoryCycle { _ in }
        let second = LLRPReader(
            transport: TCPTransport.reconnecting(host: "127.0.0.1", port: emu.port), clock: SystemMonotonicClock(),
            options: .init(readerID: 2))
        #expect {
            try second.inventoryCycle { _ in }
        } throws: { e in
            "\(e)".contains("another LLRP client is connected")
        }
        first.shutdown()
        // The emulator frees its one client slot when it sees the close: wait for that (and
        // for a first report), not for a fixed time.
        var n = 0
        var lastError: (any Error)? = nil
        let deadline = Date().addingTimeInterval(20)
        while n == 0 && Date() < deadline {
            do { try second.inventoryCycle { _ in n += 1 } } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        #expect(n > 0, "no reads after the first client left; last error: \(String(describing: lastError))")
        second.shutdown()
    }
}
