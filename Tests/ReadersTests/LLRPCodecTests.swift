import ReaderProtocols
import Readers
import TagRing
import Testing

/// LLRP frames: the reference's verified request, and messages as llrpkit (an independent
/// implementation) encodes them.
@Suite("LLRP codec")
struct LLRPCodecTests {
    static let notification = hex("043f000000200000000000f600160080000c00060a24181e4000010000060000")
    static let report = hex(
        "043d0000003a0000000000f000308de2000017010801621000000181000286cc880001015d001700000100073000e20000170108016210000001")
    static let addROSpecResponse = hex("041e0000001200000007011f000800000000")
    static let errorMessage = hex("04640000001500000009011f000b00650003626164")

    @Test func buildsTheReferenceCapabilitiesRequest() {
        var b = LLRPBuilder()
        #expect(LLRPMessages.getReaderCapabilities(&b, id: 1234) == hex("04 01 00 00 00 0B 00 00 04 D2 00"))
    }

    @Test func nestedLengthsArePatched() {
        var b = LLRPBuilder()
        let m = LLRPMessages.addROSpec(&b, id: 5, roSpecID: 9, antennas: [1, 2])
        #expect(Int(m[2]) << 24 | Int(m[3]) << 16 | Int(m[4]) << 8 | Int(m[5]) == m.count)
        // ROSpec parameter right after the header: type 177, length = rest of the message.
        #expect(m[10] == 0x00 && m[11] == 177)
        #expect(Int(m[12]) << 8 | Int(m[13]) == m.count - 10)
    }

    @Test func parsesConnectionAttemptAndStatus() throws {
        let d = LLRPFrameDecoder()
        try d.append(Self.notification + Self.addROSpecResponse + Self.errorMessage)
        let n = try #require(try d.nextMessage())
        #expect(n.type == 63)
        #expect(try LLRPParsing.connectionAttempt(n.body) == 0)
        let r = try #require(try d.nextMessage())
        #expect(r.type == 30 && r.id == 7)
        #expect(try LLRPParsing.status(r.body) == .init(code: 0, text: ""))
        let e = try #require(try d.nextMessage())
        #expect(try LLRPParsing.status(e.body) == .init(code: 101, text: "bad"))
        #expect(try d.nextMessage() == nil)
    }

    @Test func parsesATagReportWithAccessResult() throws {
        let d = LLRPFrameDecoder()
        // One byte at a time: TCP may split anywhere.
        var messages = 0
        for byte in Self.report {
            try d.append([byte])
            while let m = try d.nextMessage() {
                messages += 1
                var seen = 0
                try LLRPParsing.tagReports(m.body) { r in
                    seen += 1
                    #expect(Array(r.epc) == hex("e20000170108016210000001"))
                    #expect(r.antenna == 2 && r.peakRSSI == -52)
                    #expect(r.opResultCount == 1)
                    if case .read(let op, let result, let data) = r.opResult(0) {
                        #expect(op == 1 && result == 0)
                        #expect(Array(data.prefix(4)) == [0x30, 0x00, 0xE2, 0x00])
                    } else {
                        Issue.record("no read result")
                    }
                }
                #expect(seen == 1)
            }
        }
        #expect(messages == 1)
    }

    @Test func rejectsNonLLRPAndTruncatedParameters() throws {
        let d = LLRPFrameDecoder()
        try d.append(hex("02 00 09 FF B0 01 00 18 43 00 00"))  // a FEIG frame on the LLRP port
        #expect(throws: LLRPParseError.self) { try d.nextMessage() }
        var bad = Self.report
        bad[12] = 0x7F  // TagReportData length now runs past the message
        let d2 = LLRPFrameDecoder()
        try d2.append(bad)
        let m = try #require(try d2.nextMessage())
        #expect(throws: LLRPParseError.self) { try LLRPParsing.tagReports(m.body) { _ in } }
    }

    /// Any bytes: decoder and parsers never trap (the libFuzzer target does this at scale).
    @Test func survivesRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let d = LLRPFrameDecoder(capacity: 4096)
            var bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 10 && Bool.random(using: &rng) {
                bytes[0] = 0x04; bytes[2] = 0; bytes[3] = 0; bytes[4] = 0; bytes[5] = UInt8(bytes.count)
            }
            try? d.append(bytes)
            while let m = try? d.nextMessage() {
                try? LLRPParsing.tagReports(m.body) { _ in }
                _ = try? LLRPParsing.status(m.body)
                _ = try? LLRPParsing.connectionAttempt(m.body)
            }
        }
    }
}
