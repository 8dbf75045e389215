// libFuzzer target over the LLRP decoder and parsers (reports, status, events). Built by
// scripts/fuzz-readers.sh with the pure LLRP codec sources.
//
// Input: byte 0 = chunk size (1...64), the rest = what an LLRP peer sends. Bytes 1-5 are
// patched into a plausible header half of the time, so the fuzzer reaches the parameter walker.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let chunk = Int(data[0] % 64) + 1
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 0x80 != 0 && bytes.count >= 10 {
        bytes[0] = 0x04 | (bytes[0] & 0x03)
        let n = UInt32(bytes.count)
        bytes[2] = UInt8(n >> 24); bytes[3] = UInt8((n >> 16) & 0xFF); bytes[4] = UInt8((n >> 8) & 0xFF); bytes[5] = UInt8(n & 0xFF)
    }
    let decoder = LLRPFrameDecoder(capacity: 4096)
    var at = 0
    outer: while at < bytes.count {
        let n = min(chunk, bytes.count - at)
        do { try decoder.append(Array(bytes[at..<(at + n)])) } catch { break }
        at += n
        while true {
            let m: LLRPMessageView?
            do { m = try decoder.nextMessage() } catch { break outer }
            guard let m else { break }
            check(m.body.count + 10 <= 4096, "message longer than the buffer")
            try? LLRPParsing.tagReports(m.body) { r in
                check(r.epc.count <= m.body.count, "EPC outside the message")
                for i in 0..<r.opResultCount {
                    if case .read(_, _, let d) = r.opResult(i) { check(d.count <= m.body.count, "read data outside the message") }
                }
            }
            _ = try? LLRPParsing.status(m.body)
            _ = try? LLRPParsing.connectionAttempt(m.body)
            var w = LLRPParameterWalker(m.body)
            while let p = try? w.next() { check(p.value.count <= m.body.count, "parameter outside the message") }
        }
    }
    return 0
}

func check(_ ok: Bool, _ what: String) { if !ok { fatalError(what) } }
