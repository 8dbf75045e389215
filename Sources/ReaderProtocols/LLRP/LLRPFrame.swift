/// LLRP 1.0.1 framing (EPCglobal Low Level Reader Protocol, TCP 5084), big-endian:
///
///     message   rsvd(3)=0 ver(3)=1 type(10) | length u32 (whole message) | id u32 | parameters
///     TLV param rsvd(6) type(10) | length u16 (whole parameter) | fields, sub-parameters
///     TV param  1 type(7) | fixed-size value (size known per type)
///
/// Pure: no I/O, no allocation while decoding (views into the decoder's buffer).
public enum LLRPFrame {
    public static let headerLength = 10
    public static let version: UInt8 = 1
    /// Larger than any message RFIDGate expects (a capabilities answer is ~1 kB); a bigger
    /// length is a broken stream, not a message.
    public static let maximumLength = 1 << 20
}

/// Message types RFIDGate sends or understands.
public enum LLRPMessageType {
    public static let getReaderCapabilities: UInt16 = 1
    public static let setReaderConfig: UInt16 = 3
    public static let closeConnection: UInt16 = 14
    public static let addROSpec: UInt16 = 20
    public static let deleteROSpec: UInt16 = 21
    public static let startROSpec: UInt16 = 22
    public static let stopROSpec: UInt16 = 23
    public static let enableROSpec: UInt16 = 24
    public static let addAccessSpec: UInt16 = 40
    public static let deleteAccessSpec: UInt16 = 41
    public static let enableAccessSpec: UInt16 = 42
    public static let roAccessReport: UInt16 = 61
    public static let keepalive: UInt16 = 62
    public static let readerEventNotification: UInt16 = 63
    public static let keepaliveAck: UInt16 = 72
    public static let errorMessage: UInt16 = 100
    /// Every request type T is answered by T + 10 (GET_READER_CAPABILITIES 1 → 11).
    public static func response(to request: UInt16) -> UInt16 { request + 10 }
}

/// Why bytes from an LLRP reader could not be understood, with the offset into the message.
public struct LLRPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public init(offset: Int, _ reason: String) { self.offset = offset; self.reason = reason }
    public var description: String { "LLRP message byte \(offset): \(reason)" }
}

/// One complete message inside an `LLRPFrameDecoder`'s buffer, valid until the next call.
public struct LLRPMessageView {
    public let type: UInt16
    public let id: UInt32
    /// Everything after the 10-byte header.
    public let body: UnsafeRawBufferPointer
}

/// Reassembles LLRP messages from a TCP byte stream (split or coalesced). LLRP has no sync
/// byte, so a header that cannot be right (wrong version, impossible length) means the stream
/// is lost: the caller must drop the connection and start over.
public final class LLRPFrameDecoder {
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0

    public init(capacity: Int = 64 * 1024) { storage = .allocate(byteCount: capacity, alignment: 8) }
    deinit { storage.deallocate() }

    public var pendingCount: Int { end - start }
    public func reset() { start = 0; end = 0 }

    public func writableSpace() -> UnsafeMutableRawBufferPointer {
        if start == end { start = 0; end = 0 }
        if end == storage.count && start > 0 {
            storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
            end -= start; start = 0
        }
        return UnsafeMutableRawBufferPointer(rebasing: storage[end...])
    }

    public func commit(_ n: Int) {
        precondition(n >= 0 && end + n <= storage.count)
        end += n
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(LLRPParseError) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let space = writableSpace()
            if space.isEmpty { throw LLRPParseError(offset: 0, "message larger than \(storage.count) bytes") }
            let n = min(space.count, rest.count)
            UnsafeMutableRawBufferPointer(rebasing: space[..<n]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(n)))
            end += n
            rest = rest.dropFirst(n)
        }
    }

    public func append(_ bytes: [UInt8]) throws(LLRPParseError) {
        let r = bytes.withUnsafeBytes { b -> LLRPParseError? in
            do throws(LLRPParseError) { try append(b); return nil } catch { return error }
        }
        if let r { throw r }
    }

    /// The next complete message, nil if more bytes are needed.
    public func nextMessage() throws(LLRPParseError) -> LLRPMessageView? {
        guard end - start >= LLRPFrame.headerLength else { return nil }
        let b = UnsafeRawBufferPointer(rebasing: storage[start..<end])
        let word = UInt16(b[0]) << 8 | UInt16(b[1])
        let version = UInt8((word >> 10) & 0x7)
        guard word >> 13 == 0, version == LLRPFrame.version else {
            throw LLRPParseError(offset: 0, "not an LLRP 1.0.1 header (version \(version)): is this port an LLRP reader?")
        }
        let length = Int(readU32(b, 2))
        guard length >= LLRPFrame.headerLength, length <= min(LLRPFrame.maximumLength, storage.count) else {
            throw LLRPParseError(offset: 2, "impossible message length \(length)")
        }
        guard b.count >= length else { return nil }
        start += length
        return LLRPMessageView(type: word & 0x3FF, id: readU32(b, 6), body: UnsafeRawBufferPointer(rebasing: b[10..<length]))
    }
}

@inline(__always) func readU16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
@inline(__always) func readU32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

/// A parameter found while walking a message body or a parameter's sub-parameters.
public struct LLRPParameterView {
    public let type: UInt16
    public let isTV: Bool
    /// The fields after the TLV header (or the TV value).
    public let value: UnsafeRawBufferPointer
    /// Offset of the parameter in the walked buffer (for error messages).
    public let offset: Int
}

/// Walks parameters one after the other; throws on truncation or an unknown TV type (whose
/// length cannot be known, so nothing after it can be trusted).
public struct LLRPParameterWalker {
    private let buffer: UnsafeRawBufferPointer
    private var index: Int
    private let base: Int

    public init(_ buffer: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.buffer = buffer
        self.index = 0
        self.base = baseOffset
    }

    /// TV value sizes (LLRP 1.0.1 §16.2.7 and Gen2 §16.3.1.4).
    public static func tvLength(_ type: UInt8) -> Int? {
        switch type {
        case 1: 2  // AntennaID
        case 2, 3, 4, 5: 8  // First/LastSeenTimestamp UTC/Uptime
        case 6: 1  // PeakRSSI
        case 7, 8: 2  // ChannelIndex, TagSeenCount
        case 9: 4  // ROSpecID
        case 10, 11, 12: 2  // InventoryParameterSpecID, C1G2CRC, C1G2PC
        case 13: 12  // EPC-96
        case 14, 15: 2  // SpecIndex, ClientRequestOpSpecResult
        case 16: 4  // AccessSpecID
        case 17: 2  // OpSpecID
        case 18: 4  // C1G2SingulationDetails
        case 19, 20: 2  // C1G2XPCW1, C1G2XPCW2
        default: nil
        }
    }

    public mutating func next() throws(LLRPParseError) -> LLRPParameterView? {
        guard index < buffer.count else { return nil }
        let at = index
        let first = buffer[index]
        if first & 0x80 != 0 {
            let type = first & 0x7F
            guard let n = Self.tvLength(type) else { throw LLRPParseError(offset: base + at, "unknown TV parameter type \(type)") }
            guard index + 1 + n <= buffer.count else { throw LLRPParseError(offset: base + at, "TV parameter \(type) truncated") }
            index += 1 + n
            return LLRPParameterView(
                type: UInt16(type), isTV: true, value: UnsafeRawBufferPointer(rebasing: buffer[(at + 1)..<(at + 1 + n)]), offset: base + at)
        }
        guard index + 4 <= buffer.count else { throw LLRPParseError(offset: base + at, "parameter header truncated") }
        let type = readU16(buffer, index) & 0x3FF
        let length = Int(readU16(buffer, index + 2))
        guard length >= 4, index + length <= buffer.count else {
            throw LLRPParseError(
                offset: base + at, "parameter \(type) length \(length) runs past its container (\(buffer.count - index) bytes left)")
        }
        index += length
        return LLRPParameterView(
            type: type, isTV: false, value: UnsafeRawBufferPointer(rebasing: buffer[(at + 4)..<(at + length)]), offset: base + at + 4)
    }
}

/// Builds messages into one reusable buffer; nested TLV lengths are patched on `end()`.
public struct LLRPBuilder {
    public private(set) var bytes: [UInt8] = []
    private var open: [Int] = []

    public init() { bytes.reserveCapacity(512); open.reserveCapacity(8) }

    public mutating func beginMessage(type: UInt16, id: UInt32) {
        bytes.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        u16(UInt16(LLRPFrame.version) << 10 | (type & 0x3FF))
        u32(0)
        u32(id)
    }

    /// Finishes the message (closing any open parameters) and returns its bytes.
    public mutating func finish() -> [UInt8] {
        while !open.isEmpty { end() }
        let n = UInt32(bytes.count)
        bytes[2] = UInt8(n >> 24); bytes[3] = UInt8((n >> 16) & 0xFF); bytes[4] = UInt8((n >> 8) & 0xFF); bytes[5] = UInt8(n & 0xFF)
        return bytes
    }

    public mutating func begin(_ type: UInt16) {
        open.append(bytes.count)
        u16(type & 0x3FF)
        u16(0)
    }

    public mutating func end() {
        let at = open.removeLast()
        let n = UInt16(bytes.count - at)
        bytes[at + 2] = UInt8(n >> 8); bytes[at + 3] = UInt8(n & 0xFF)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    public mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    public mutating func append<C: Collection>(contentsOf c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }
}
