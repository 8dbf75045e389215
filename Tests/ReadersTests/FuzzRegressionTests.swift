import ReaderProtocols
import Readers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs kept from `scripts/fuzz-readers.sh` (and hand-made edge cases), replayed through the
/// same checks as the fuzz targets: the decoders must never trap on them.
@Suite("Reader codec fuzz regressions")
struct ReaderFuzzRegressionTests {
    static let dir: String = {
        var path = #filePath
        while let last = path.last, last != "/" { path.removeLast() }
        return path + "Fixtures/fuzz-regressions/"
    }()

    static func inputs(_ target: String) -> [[UInt8]] {
        guard let d = opendir(dir + target) else { return [] }
        defer { closedir(d) }
        var out: [[UInt8]] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".hex"), let text = readWholeFile(dir + target + "/" + name) else { continue }
            out.append(hex(text.filter { !$0.isWhitespace }))
        }
        return out
    }

    @Test func feigInputs() {
        let inputs = Self.inputs("feig")
        #expect(!inputs.isEmpty)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        defer { scratch.deallocate() }
        for input in inputs where !input.isEmpty {
            let d = FeigFrameDecoder(capacity: 1024)
            let chunk = Int(input[0] % 64) + 1
            for piece in Array(input.dropFirst()).chunked(chunk) {
                d.append(piece)
                while let f = d.nextFrame() {
                    _ = try? FeigResponse.parseInventory(f.payload, withAntenna: true, defaultAntenna: 1) { _ in }
                    _ = try? FeigResponse.parseSystemInfo(f.payload)
                    _ = try? FeigResponse.parseReadBlocks(f.payload, into: scratch)
                }
            }
        }
    }

    @Test func llrpInputs() {
        let inputs = Self.inputs("llrp")
        #expect(!inputs.isEmpty)
        for input in inputs where !input.isEmpty {
            let d = LLRPFrameDecoder(capacity: 4096)
            try? d.append(Array(input.dropFirst()))
            while let m = try? d.nextMessage() {
                try? LLRPParsing.tagReports(m.body) { _ in }
                _ = try? LLRPParsing.status(m.body)
                _ = try? LLRPParsing.connectionAttempt(m.body)
            }
        }
    }
}

extension Array {
    func chunked(_ n: Int) -> [[Element]] {
        stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) }
    }
}
