// libFuzzer target for the SIP2 codec. Built by scripts/fuzz-sip2.sh together with
// Sources/SIP2/*.swift (one module).
//
// Input: byte 0 picks the charset, the read size and the frame limit; the rest is a byte stream
// as received from an ACS. Besides "never traps", it checks that the framer gives the same frames
// whatever the read size, and that every decoded message re-encodes and decodes to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let failure = SIP2FuzzOracle.check(selector: data[0], stream: Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    if let failure { fatalError("oracle: \(failure)") }
    return 0
}

enum SIP2FuzzOracle {
    /// nil when every property holds, else what broke. Tests/SIP2Tests/FuzzRegressionTests.swift
    /// has a copy of this function (the test target cannot compile files from Fuzz/).
    static func check(selector: UInt8, stream: [UInt8]) -> String? {
        let charset = SIP2Charset.allCases[Int(selector) % SIP2Charset.allCases.count]
        let chunk = Int(selector >> 3) + 1
        let limit = selector & 0x04 != 0 ? 64 : 4096
        var whole = SIP2Framer(maxFrameBytes: limit), pieces = SIP2Framer(maxFrameBytes: limit)
        let expected = whole.append(stream)
        var got: [SIP2Framer.Frame] = []
        var i = 0
        while i < stream.count { got += pieces.append(stream[i..<min(i + chunk, stream.count)]); i += chunk }
        if got != expected { return "frames depend on read size \(chunk)" }
        if whole.pending != pieces.pending { return "pending bytes depend on read size" }
        if whole.pending.count > limit { return "pending exceeds the limit" }
        for f in expected {
            if f.bytes.contains(0x0D) { return "CR inside a frame" }
            guard let m = try? SIP2Decoder(charset: charset).decode(f.bytes, truncated: f.truncated) else { continue }
            _ = try? SIP2Response(m)
            if f.truncated { continue }
            for errorDetection in [true, false] {
                guard let wire = try? SIP2Encoder(charset: charset, errorDetection: errorDetection).encode(m, sequence: 7) else { continue }
                if wire.last != 0x0D || wire.dropLast().contains(0x0D) { return "encoded frame is not CR-terminated exactly once" }
                guard let back = try? SIP2Decoder(charset: charset).decode(Array(wire.dropLast())) else {
                    return "re-encoded frame does not decode"
                }
                if back.code != m.code || back.fixed != m.fixed || back.fields != m.fields { return "round trip changed the message" }
                if errorDetection && (back.checksum != .valid || (m.code != "96" && m.code != "97" && back.sequence != 7)) {
                    return "round trip trailer wrong"
                }
            }
        }
        return nil
    }
}
