/// One SIP2 message, untyped: command code, fixed part and variable fields in wire order, plus the
/// AY/AZ trailer. Used in both directions; the typed requests and responses are built on it.
public struct SIP2Message: Equatable, Sendable {
    public struct Field: Equatable, Sendable {
        public var id: String
        public var value: String
        public init(_ id: String, _ value: String) { self.id = id; self.value = value }
    }

    public enum Checksum: Equatable, Sendable {
        case absent
        case valid
        case invalid
    }

    public var code: String
    /// The fixed-length part, one character per byte (ASCII on every ILS).
    public var fixed: String
    public var fields: [Field]
    /// The AY digit, if the frame had one.
    public var sequence: Int?
    public var checksum: Checksum
    /// True when the frame was cut at the framer's size limit (its trailer and last field are lost).
    public var truncated: Bool

    public init(
        code: String, fixed: String = "", fields: [Field] = [], sequence: Int? = nil, checksum: Checksum = .absent, truncated: Bool = false
    ) {
        self.code = code; self.fixed = fixed; self.fields = fields
        self.sequence = sequence; self.checksum = checksum; self.truncated = truncated
    }

    /// First value of a field ID (SIP2 allows repeats; most IDs appear once).
    public subscript(id: String) -> String? { fields.first { $0.id == id }?.value }
    public func all(_ id: String) -> [String] { fields.filter { $0.id == id }.map(\.value) }

    /// Fixed field characters [offset, offset+length) or "" when the fixed part is shorter.
    public func fixed(_ offset: Int, _ length: Int) -> Substring {
        let u = fixed.utf8
        guard u.count >= offset + length else { return "" }
        let s = u.index(u.startIndex, offsetBy: offset), e = u.index(s, offsetBy: length)
        return Substring(fixed[s..<e])
    }

    /// Length of the fixed part for each command this codec knows, both directions.
    public static func fixedLength(_ code: String) -> Int? {
        switch code {
        case "93": return 2  // uid algorithm, pwd algorithm
        case "94": return 1  // ok
        case "99": return 8  // status, width(3), version(4)
        case "98": return 34  // 6 flags, timeout(3), retries(3), date(18), version(4)
        case "23": return 21  // language(3), date
        case "24": return 35  // patron status(14), language(3), date
        case "63": return 31  // language(3), date, summary(10)
        case "64": return 59  // patron status(14), language(3), date, 6 counts(4)
        case "11": return 38  // renewal policy, no block, date, nb due date
        case "12": return 22  // ok, renewal ok, magnetic, desensitize, date
        case "09": return 37  // no block, date, return date
        case "10": return 22  // ok, resensitize, magnetic, alert, date
        case "17": return 18  // date
        case "18": return 24  // circulation status(2), security marker(2), fee type(2), date
        case "19": return 18  // date
        case "20": return 19  // properties ok, date
        case "29": return 38  // third party, no block, date, nb due date
        case "30": return 22  // ok, renewal ok, magnetic, desensitize, date
        case "35": return 18  // date
        case "36": return 19  // end session, date
        case "96", "97": return 0
        default: return nil
        }
    }
}

/// Builds wire frames: CR only, every variable field closed by "|", the trailer last.
public struct SIP2Encoder: Sendable {
    public var charset: SIP2Charset
    public var errorDetection: Bool

    public init(charset: SIP2Charset = .utf8, errorDetection: Bool = true) {
        self.charset = charset; self.errorDetection = errorDetection
    }

    /// The complete frame including the trailing CR. `sequence` is the AY digit (0...9); 96 and 97
    /// carry a checksum but never a sequence number.
    public func encode(_ m: SIP2Message, sequence: Int) throws(SIP2EncodeError) -> [UInt8] {
        var out: [UInt8] = Array(m.code.utf8)
        guard let fixedBytes = SIP2Charset.ascii.encode(m.fixed) else {
            throw .unencodable(field: "fixed part of \(m.code)", charset: .ascii)
        }
        if let n = SIP2Message.fixedLength(m.code), n != fixedBytes.count {
            throw .fixedFieldWidth(name: "fixed part of \(m.code)", expected: n, got: fixedBytes.count)
        }
        out += fixedBytes
        for f in m.fields {
            let id = Array(f.id.utf8)
            guard id.count == 2, id.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) else {
                throw .invalidFieldID(f.id)
            }
            guard let v = charset.encode(f.value) else { throw .unencodable(field: f.id, charset: charset) }
            if v.contains(0x7C) || v.contains(0x0D) || v.contains(0x0A) { throw .forbiddenCharacter(field: f.id) }
            if v.count > 255 { throw .tooLong(field: f.id, bytes: v.count) }
            out += Array(f.id.utf8); out += v; out.append(0x7C)
        }
        if errorDetection {
            if m.code != "96" && m.code != "97" { out += [0x41, 0x59, UInt8(0x30 + (sequence % 10 + 10) % 10)] }
            out += [0x41, 0x5A]
            out += SIP2Checksum.hex(SIP2Checksum.compute(out))
        }
        out.append(0x0D)
        return out
    }
}

/// Reads one frame (bytes without the CR). Lenient by design: fields in any order, unknown IDs kept
/// (callers ignore them), a last field without "|" accepted, 1-4 hex digits of AZ accepted.
public struct SIP2Decoder: Sendable {
    public var charset: SIP2Charset

    public init(charset: SIP2Charset = .utf8) { self.charset = charset }

    public func decode(_ frame: [UInt8], truncated: Bool = false) throws(SIP2DecodeError) -> SIP2Message {
        var body = frame[...]
        // A stray LF or NUL in front (Koha CRLF seen from the next frame's side) is not part of the frame.
        while let f = body.first, f == 0x0A || f == 0x00 { body = body.dropFirst() }
        guard body.count >= 2 else { throw .unknownCommand(String(decoding: body, as: UTF8.self)) }
        let code = String(decoding: body.prefix(2), as: UTF8.self)
        guard let fixedLen = SIP2Message.fixedLength(code) else { throw .unknownCommand(SIP2Decoder.printable(body.prefix(2))) }
        let afterCode = body.dropFirst(2)
        guard afterCode.count >= fixedLen else { throw .tooShort(command: code, expected: fixedLen, got: afterCode.count) }
        let fixed = SIP2Charset.latin1.decode(afterCode.prefix(fixedLen))
        var rest = afterCode.dropFirst(fixedLen)
        var m = SIP2Message(code: code, fixed: fixed, truncated: truncated)

        // Trailer: after the last "|" (or straight after the fixed part) the tail may be
        // [AY<d>]AZ<1-4 hex> or AY<d> alone. Only a complete, untruncated frame has one.
        if !truncated {
            let tailStart = rest.lastIndex(of: 0x7C).map { rest.index(after: $0) } ?? rest.startIndex
            let tail = rest[tailStart...]
            if let t = SIP2Decoder.trailer(tail) {
                m.sequence = t.sequence
                if let cks = t.checksum {
                    let through = body[body.startIndex..<t.azEnd]
                    m.checksum = SIP2Checksum.verify(through, cks) ? .valid : .invalid
                }
                rest = rest[rest.startIndex..<tailStart]
            }
        }
        var fieldStart = rest.startIndex
        var i = rest.startIndex
        while i <= rest.endIndex {
            if i == rest.endIndex || rest[i] == 0x7C {
                let seg = rest[fieldStart..<i]
                // A truncated frame's last piece is a partial value: drop it.
                let isPartial = truncated && i == rest.endIndex
                if seg.count >= 2 && !isPartial {
                    m.fields.append(.init(SIP2Charset.latin1.decode(seg.prefix(2)), charset.decode(seg.dropFirst(2))))
                }
                fieldStart = i == rest.endIndex ? i : rest.index(after: i)
            }
            if i == rest.endIndex { break }
            i = rest.index(after: i)
        }
        return m
    }

    struct Trailer { var sequence: Int?; var checksum: UInt16?; var azEnd: Int }

    static func trailer(_ tail: ArraySlice<UInt8>) -> Trailer? {
        var i = tail.startIndex
        var seq: Int?
        if tail.count >= 3, tail[i] == 0x41, tail[i + 1] == 0x59, (0x30...0x39).contains(tail[i + 2]) {
            seq = Int(tail[i + 2] - 0x30); i += 3
        }
        if i == tail.endIndex { return seq == nil ? nil : Trailer(sequence: seq, checksum: nil, azEnd: i) }
        guard tail.endIndex - i >= 3, tail[i] == 0x41, tail[i + 1] == 0x5A,
            let cks = SIP2Checksum.parseHex(tail[(i + 2)...])
        else { return nil }
        return Trailer(sequence: seq, checksum: cks, azEnd: i + 2)
    }

    static func printable<C: Collection>(_ b: C) -> String where C.Element == UInt8 {
        String(decoding: b.map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x3F }, as: UTF8.self)
    }
}
