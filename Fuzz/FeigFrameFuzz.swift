// libFuzzer target over the FEIG advanced-protocol frame decoder and answer parsers, and the
// DCTTECH relay report parser. Built by scripts/fuzz-readers.sh with the pure codec sources.
//
// Input: byte 0 = chunk size for feeding the decoder (1...64), the rest = the byte stream a
// reader (or line noise) sends. Checks: never traps; every frame returned has a matching CRC
// and a length within bounds; parsers only throw their typed errors.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let chunk = Int(data[0] % 64) + 1
    let stream = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let decoder = FeigFrameDecoder(capacity: 1024)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
    defer { scratch.deallocate() }
    var at = 0
    while at < stream.count {
        let n = min(chunk, stream.count - at)
        decoder.append(UnsafeRawBufferPointer(rebasing: stream[at..<(at + n)]))
        at += n
        while let f = decoder.nextFrame() {
            check(f.payload.count + 7 <= FeigFrame.maximumLength, "frame longer than the maximum")
            _ = try? FeigResponse.parseInventory(f.payload, withAntenna: false, defaultAntenna: 1) { _ in }
            _ = try? FeigResponse.parseInventory(f.payload, withAntenna: true, defaultAntenna: 1) { r in
                check(r.trType == r.trType, "")
            }
            _ = try? FeigResponse.parseSystemInfo(f.payload)
            if let n = try? FeigResponse.parseReadBlocks(f.payload, into: scratch) { check(n <= scratch.count, "read blocks overflow") }
            try? FeigResponse.checkStatus(f.payload, "fuzz")
        }
    }
    check(decoder.pendingCount <= 1024, "decoder grew past its capacity")
    if stream.count >= 8 {
        _ = DCTTechRelayProtocol.parseCommand(stream)
        _ = try? DCTTechRelayProtocol.parseState(UnsafeRawBufferPointer(rebasing: stream[0..<8]))
    }
    // Whatever the builder frames, the decoder returns unchanged.
    var b = FeigFrameBuilder()
    b.begin(control: data[0])
    b.append(contentsOf: UnsafeRawBufferPointer(rebasing: stream.prefix(200)))
    let frame = b.finish()
    let d2 = FeigFrameDecoder()
    d2.append(frame)
    guard let back = d2.nextFrame() else { fatalError("built frame not decoded") }
    check(back.control == data[0] && back.payload.count == min(200, stream.count), "round trip differs")
    return 0
}

func check(_ ok: Bool, _ what: String) { if !ok { fatalError(what) } }
