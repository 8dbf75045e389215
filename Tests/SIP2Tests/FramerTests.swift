import Testing

@testable import SIP2

/// B6, B7, F2, F3 at the byte level: framing never depends on read boundaries.
@Suite struct FramerTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func splitReadsJoinIntoOneFrame() {
        var f = SIP2Framer()
        let frame = bytes("941AY0AZFDFD\r")
        var got: [SIP2Framer.Frame] = []
        for b in frame { got += f.append([b]) }  // one byte per read
        #expect(got.map(\.bytes) == [bytes("941AY0AZFDFD")])
    }

    @Test func coalescedFramesSplitApart() {
        var f = SIP2Framer()
        let got = f.append(bytes("941AY0AZFDFD\r9900302.00AY1AZFCA5\r96AZFEF6\r"))
        #expect(got.map(\.bytes) == [bytes("941AY0AZFDFD"), bytes("9900302.00AY1AZFCA5"), bytes("96AZFEF6")])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13])
    func crlfIsToleratedAcrossEverySplit(_ chunk: Int) {
        // Koha's default terminator: CRLF, the LF possibly arriving with the next frame.
        let stream = bytes("941AY0AZFDFD\r\n9900302.00AY1AZFCA5\r\n\n96AZFEF6\r")
        var f = SIP2Framer()
        var got: [[UInt8]] = []
        var i = 0
        while i < stream.count { got += f.append(stream[i..<min(i + chunk, stream.count)]).map(\.bytes); i += chunk }
        #expect(got == [bytes("941AY0AZFDFD"), bytes("9900302.00AY1AZFCA5"), bytes("96AZFEF6")])
    }

    @Test func incompleteFrameStaysPending() {
        // invenio answers "None" without a CR: no frame, the bytes wait (the client times out).
        var f = SIP2Framer()
        #expect(f.append(bytes("None")).isEmpty)
        #expect(f.pending == bytes("None"))
    }

    @Test func oversizedFrameIsTruncatedAndMemoryBounded() {
        var f = SIP2Framer(maxFrameBytes: 1024)
        var got: [SIP2Framer.Frame] = []
        got += f.append(bytes("64              00020251121    1200000000000000000000000000AODEMO|AAP0001|AEAlice|"))
        for _ in 0..<1000 { got += f.append(bytes("AUI0001|AUI0002|AUI0003|")) }  // ~24 KB
        #expect(got.isEmpty)
        #expect(f.pending.count <= 1024)
        got += f.append(bytes("AY1AZ1234\r941AY0AZFDFD\r"))
        #expect(got.count == 2)
        #expect(got[0].truncated && got[0].bytes.count == 1024 && got[0].discarded > 20_000)
        #expect(got[1] == .init(bytes: bytes("941AY0AZFDFD"), truncated: false, discarded: 0))
    }

    @Test func truncatedFrameDecodesWithoutItsPartialField() throws {
        var f = SIP2Framer(maxFrameBytes: 200)
        var stream = bytes("64              00020251121    1200000000000000000000000000AODEMO|AAP0001|AEAlice|")
        for i in 0..<100 { stream += bytes("AUI\(1000 + i)|") }
        let frames = f.append(stream + [0x0D])
        let m = try SIP2Decoder().decode(frames[0].bytes, truncated: true)
        #expect(m.truncated && m.checksum == .absent)
        #expect(m["AE"] == "Alice")
        #expect(m.all("AU").allSatisfy { $0.count == 5 })
    }

    @Test func garbageBytesDoNotCrashTheDecoder() {
        // F1: NUL and invalid UTF-8 become replacement characters, never a crash.
        var f = SIP2Framer()
        let frames = f.append(
            [0x31, 0x38, 0x30, 0x33, 0x30, 0x32, 0x30, 0x31] + bytes("20250101    120000") + [0x41, 0x4A, 0x00, 0xFF, 0xC3, 0x7C, 0x0D])
        let m = try? SIP2Decoder().decode(frames[0].bytes)
        #expect(m?["AJ"] == "\u{0}\u{FFFD}\u{FFFD}")
    }
}
