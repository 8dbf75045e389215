import Foundation
import Testing

@testable import SIP2

/// Replays inputs the fuzzer (Fuzz/SIP2Fuzz.swift, scripts/fuzz-sip2.sh) kept, with the same oracle.
@Suite struct FuzzRegressionTests {
    static let inputs: [(String, [UInt8])] = {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/fuzz-regressions")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") }.sorted().map { name in
            let text = try! String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let hex = Array(text.filter(\.isHexDigit).utf8)
            let bytes = stride(from: 0, to: hex.count - 1, by: 2).map {
                UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)!
            }
            return (name, bytes)
        }
    }()

    @Test func thereAreRegressionInputs() { #expect(!Self.inputs.isEmpty) }

    @Test(arguments: inputs.map(\.0))
    func replay(_ name: String) {
        let data = Self.inputs.first { $0.0 == name }!.1
        guard let selector = data.first else { return }
        #expect(Oracle.check(selector: selector, stream: Array(data.dropFirst())) == nil)
    }

    /// Also run the oracle over hand-made streams that have tripped similar codecs elsewhere.
    @Test(arguments: [
        "\u{0}12", "12\r\r\r\n\n\n", "18AY1AZ\r", "1803020120251121    120000AY1AZ|AY2AZ0\r",
        "96AZ\r97AZFEF5\r", "AZ\r", "\n\n\n941\r", "941AY9\r", "941AZGGGG\r", "941AZ12345\r",
    ])
    func handMadeStreams(_ s: String) {
        for sel: UInt8 in [0, 1, 2, 3, 4, 0x0C, 0xFF] {
            #expect(Oracle.check(selector: sel, stream: Array(s.utf8)) == nil, "selector \(sel)")
        }
    }
}

/// Copy of SIP2FuzzOracle in Fuzz/SIP2Fuzz.swift (keep the two in step).
enum Oracle {
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
