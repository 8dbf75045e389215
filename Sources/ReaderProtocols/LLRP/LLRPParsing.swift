/// Pure parsers for what an LLRP reader sends: status answers, tag reports, event
/// notifications. They walk the message in place and call back per item, without allocating.
public enum LLRPParsing {
    /// LLRPStatus: a status code (0 = M_Success) and the reader's own words.
    public struct Status: Equatable, Sendable {
        public var code: UInt16
        public var text: String
        public var ok: Bool { code == 0 }
        public init(code: UInt16, text: String) { self.code = code; self.text = text }
    }

    /// Finds the LLRPStatus parameter (287) in a response or ERROR_MESSAGE body.
    public static func status(_ body: UnsafeRawBufferPointer) throws(LLRPParseError) -> Status {
        var w = LLRPParameterWalker(body, baseOffset: 10)
        while let p = try w.next() {
            guard !p.isTV, p.type == 287 else { continue }
            guard p.value.count >= 4 else { throw LLRPParseError(offset: p.offset, "LLRPStatus truncated") }
            let code = readU16(p.value, 0)
            let n = Int(readU16(p.value, 2))
            guard 4 + n <= p.value.count else { throw LLRPParseError(offset: p.offset + 2, "error description runs past LLRPStatus") }
            return Status(code: code, text: String(decoding: UnsafeRawBufferPointer(rebasing: p.value[4..<(4 + n)]), as: UTF8.self))
        }
        throw LLRPParseError(offset: 10, "response without LLRPStatus")
    }

    /// One tag in an RO_ACCESS_REPORT. The buffers point into the message (valid during the
    /// callback only).
    public struct TagReport {
        public var epc: UnsafeRawBufferPointer
        public var antenna: UInt16 = 0
        public var peakRSSI: Int8 = .min
        public var pcWord: UInt16?
        public var seenCount: UInt16 = 1
        public var accessSpecID: UInt32 = 0
        /// Results of the AccessSpec's operations, in the order the reader reported them.
        public var opResultCount = 0
        public var opResults: (OpResult, OpResult, OpResult, OpResult) = (.none, .none, .none, .none)

        public func opResult(_ i: Int) -> OpResult {
            switch i {
            case 0: opResults.0;
            case 1: opResults.1;
            case 2: opResults.2;
            case 3: opResults.3;
            default: .none
            }
        }
    }

    public enum OpResult {
        case none
        /// C1G2ReadOpSpecResult: result 0 = success; `data` is the words read, big-endian bytes.
        case read(opSpecID: UInt16, result: UInt8, data: UnsafeRawBufferPointer)
        case write(opSpecID: UInt16, result: UInt8, wordsWritten: UInt16)
    }

    /// Calls `body` for every TagReportData (240) of an RO_ACCESS_REPORT body.
    public static func tagReports(_ body: UnsafeRawBufferPointer, _ each: (TagReport) -> Void) throws(LLRPParseError) {
        var w = LLRPParameterWalker(body, baseOffset: 10)
        while let p = try w.next() {
            guard !p.isTV, p.type == 240 else { continue }  // Custom (1023) etc. are skipped
            var r = TagReport(epc: UnsafeRawBufferPointer(start: nil, count: 0))
            var haveEPC = false
            var inner = LLRPParameterWalker(p.value, baseOffset: p.offset)
            while let q = try inner.next() {
                if q.isTV {
                    switch q.type {
                    case 13: r.epc = q.value; haveEPC = true
                    case 1: r.antenna = readU16(q.value, 0)
                    case 6: r.peakRSSI = Int8(bitPattern: q.value[0])
                    case 8: r.seenCount = readU16(q.value, 0)
                    case 12: r.pcWord = readU16(q.value, 0)
                    case 16: r.accessSpecID = readU32(q.value, 0)
                    default: break
                    }
                    continue
                }
                switch q.type {
                case 241:  // EPCData: bit count, bits
                    guard q.value.count >= 2 else { throw LLRPParseError(offset: q.offset, "EPCData truncated") }
                    let bits = Int(readU16(q.value, 0))
                    let bytes = (bits + 7) / 8
                    guard 2 + bytes <= q.value.count else {
                        throw LLRPParseError(offset: q.offset, "EPCData announces \(bits) bits, has \((q.value.count - 2) * 8)")
                    }
                    r.epc = UnsafeRawBufferPointer(rebasing: q.value[2..<(2 + bytes)])
                    haveEPC = true
                case 349:  // C1G2ReadOpSpecResult: result, op id, word count, words
                    guard q.value.count >= 5 else { throw LLRPParseError(offset: q.offset, "C1G2ReadOpSpecResult truncated") }
                    let words = Int(readU16(q.value, 3))
                    guard 5 + 2 * words <= q.value.count else {
                        throw LLRPParseError(offset: q.offset + 3, "read data of \(words) words runs past the parameter")
                    }
                    add(
                        &r,
                        .read(
                            opSpecID: readU16(q.value, 1), result: q.value[0],
                            data: UnsafeRawBufferPointer(rebasing: q.value[5..<(5 + 2 * words)])))
                case 350:  // C1G2WriteOpSpecResult: result, op id, words written
                    guard q.value.count >= 5 else { throw LLRPParseError(offset: q.offset, "C1G2WriteOpSpecResult truncated") }
                    add(&r, .write(opSpecID: readU16(q.value, 1), result: q.value[0], wordsWritten: readU16(q.value, 3)))
                default: break
                }
            }
            guard haveEPC else { throw LLRPParseError(offset: p.offset, "TagReportData without an EPC") }
            each(r)
        }
    }

    private static func add(_ r: inout TagReport, _ o: OpResult) {
        switch r.opResultCount {
        case 0: r.opResults.0 = o
        case 1: r.opResults.1 = o
        case 2: r.opResults.2 = o
        case 3: r.opResults.3 = o
        default: return
        }
        r.opResultCount += 1
    }

    /// The ConnectionAttemptEvent status of a READER_EVENT_NOTIFICATION, if it carries one
    /// (0 success; 1–4: another client holds or attempted the connection).
    public static func connectionAttempt(_ body: UnsafeRawBufferPointer) throws(LLRPParseError) -> UInt16? {
        var w = LLRPParameterWalker(body, baseOffset: 10)
        while let p = try w.next() {
            guard !p.isTV, p.type == 246 else { continue }  // ReaderEventNotificationData
            var inner = LLRPParameterWalker(p.value, baseOffset: p.offset)
            while let q = try inner.next() {
                if !q.isTV && q.type == 256 {
                    guard q.value.count >= 2 else { throw LLRPParseError(offset: q.offset, "ConnectionAttemptEvent truncated") }
                    return readU16(q.value, 0)
                }
            }
        }
        return nil
    }

    /// What a C1G2 read or write result code means (LLRP 1.0.1 §16.2.1.5).
    public static func describeResult(_ r: UInt8, write: Bool) -> String {
        let read = [
            "success", "non-specific tag error", "no response from tag", "non-specific reader error",
            "tag memory overrun", "tag memory locked", "incorrect access password",
        ]
        let written = [
            "success", "tag memory overrun", "tag memory locked", "insufficient power",
            "non-specific tag error", "no response from tag", "non-specific reader error", "incorrect access password",
        ]
        let table = write ? written : read
        return Int(r) < table.count ? table[Int(r)] : "result code \(r)"
    }
}
