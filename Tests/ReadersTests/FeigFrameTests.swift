import ReaderProtocols
import Readers
import Testing

func hex(_ s: String) -> [UInt8] {
    let clean = s.filter { !$0.isWhitespace }
    return stride(from: 0, to: clean.count, by: 2).map {
        let start = clean.index(clean.startIndex, offsetBy: $0)
        return UInt8(clean[start..<clean.index(start, offsetBy: 2)], radix: 16)!
    }
}

/// Byte vectors from the readers reference (CRC vector 0x4318 matches an independent driver).
@Suite("FEIG advanced-protocol frames")
struct FeigFrameTests {
    @Test func crcMatchesPublishedVector() {
        #expect(FeigCRC.checksum(hex("02 00 09 FF B0 01 00")) == 0x4318)
    }

    @Test func buildsReferenceRequests() {
        var b = FeigFrameBuilder()
        b.begin(control: 0xB0); b.append(0x01); b.append(0x00)
        #expect(b.finish() == hex("02 00 09 FF B0 01 00 18 43"))

        b.begin(control: 0xB0); b.append(0x23); b.append(0x01); b.append(uid: 0xE004_0100_1234_5678)
        b.append(0x00); b.append(0x04)
        #expect(b.finish() == hex("02 00 13 FF B0 23 01 E0 04 01 00 12 34 56 78 00 04 B0 58"))

        b.begin(control: 0xB0); b.append(0x27); b.append(0x01); b.append(uid: 0xE004_0100_1234_5678); b.append(0x07)
        #expect(b.finish() == hex("02 00 12 FF B0 27 01 E0 04 01 00 12 34 56 78 07 FE 31"))
    }

    @Test func parsesReferenceInventoryAnswer() throws {
        let d = FeigFrameDecoder()
        d.append(hex("02 00 13 FF B0 00 01 03 00 E0 04 01 00 12 34 56 78 3E 58"))
        let frame = try #require(d.nextFrame())
        #expect(frame.control == 0xB0)
        var records: [FeigInventoryRecord] = []
        let status = try FeigResponse.parseInventory(frame.payload, withAntenna: false, defaultAntenna: 1) { records.append($0) }
        #expect(status == FeigStatus.ok)
        #expect(records == [FeigInventoryRecord(trType: 3, dsfid: 0, uid: 0xE004_0100_1234_5678, antenna: 1, rssi: .min)])
    }

    @Test func parsesReferenceReadBlocksAndOKAnswers() throws {
        let d = FeigFrameDecoder()
        d.append(hex("02 00 1E FF B0 00 04 04 00 11 01 31 32 00 11 01 32 32 00 11 01 33 32 00 11 01 34 32 B2 79"))
        d.append(hex("02 00 08 FF B0 00 63 19"))
        let blocks = try #require(d.nextFrame())
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { out.deallocate() }
        let n = try FeigResponse.parseReadBlocks(blocks.payload, into: out)
        #expect(Array(out[0..<n]) == hex("11013132 11013232 11013332 11013432"))
        let ok = try #require(d.nextFrame())
        try FeigResponse.checkStatus(ok.payload, "write AFI")
        #expect(d.nextFrame() == nil)
    }

    @Test func reassemblesSplitFramesAndSkipsNoise() throws {
        let frame = hex("02 00 13 FF B0 00 01 03 00 E0 04 01 00 12 34 56 78 3E 58")
        var damaged = frame
        damaged[9] ^= 0xFF
        let stream = hex("00 13 02 00 FF") + damaged + frame + frame
        let d = FeigFrameDecoder()
        var frames = 0
        for byte in stream {  // one byte at a time: the worst split a USB link can produce
            d.append([byte])
            while d.nextFrame() != nil { frames += 1 }
        }
        #expect(frames == 2)
        // The noise's fake STX announced 255 bytes: the decoder skipped to the next valid frame
        // instead of waiting for them, discarding the noise and the damaged frame.
        #expect(d.garbageBytes >= 5 + damaged.count)
        #expect(d.pendingCount == 0)

        // A damaged frame followed by a good one: counted as a CRC error, the good one returned.
        let d2 = FeigFrameDecoder()
        d2.append(damaged + frame)
        #expect(d2.nextFrame() != nil)
        #expect(d2.crcErrors == 1)
        #expect(d2.nextFrame() == nil)
    }

    @Test func rejectsInconsistentAnswersWithOffsets() {
        // Two data sets announced, one present.
        let payload = hex("00 02 03 00 E0 04 01 00 12 34 56 78")
        #expect(throws: FeigParseError.self) {
            try payload.withUnsafeBytes { try FeigResponse.parseInventory($0, withAntenna: false, defaultAntenna: 1) { _ in } }
        }
        let isoError = hex("95 0F")
        do {
            try isoError.withUnsafeBytes { try FeigResponse.checkStatus($0, "read") }
            Issue.record("ISO error accepted")
        } catch let error as FeigParseError {
            #expect(error.offset == 1)
            #expect(error.description.contains("0x0F"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Any byte stream: the decoder never traps and never returns a frame with a bad CRC.
    @Test func decoderSurvivesRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        let d = FeigFrameDecoder(capacity: 512)
        for _ in 0..<2_000 {
            let chunk = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            d.append(chunk)
            while let f = d.nextFrame() { _ = f.payload.count }
        }
        #expect(d.pendingCount <= 512)
    }
}
