/// FEIG "advanced protocol" framing, shared by USB bulk, serial and TCP (port 10001):
///
///     02 | ALEN (2, big-endian, whole frame) | COM-ADR | CONTROL | [STATUS] | DATA | CRC16 (2, LE)
///
/// Responses carry a STATUS byte after CONTROL; requests do not. This file only frames bytes:
/// the meaning of CONTROL/DATA lives in `FeigCommands.swift`.
public enum FeigFrame {
    public static let stx: UInt8 = 0x02
    /// STX + ALEN(2) + COM-ADR + CONTROL + CRC(2).
    public static let minimumLength = 7
    /// Larger than any answer RFIDGate asks for; a bigger ALEN is treated as line noise.
    public static let maximumLength = 4096
    /// COM-ADR 0xFF addresses whichever reader is on the line.
    public static let anyAddress: UInt8 = 0xFF
}

/// Builds request frames into one reusable buffer: no allocation once its capacity is reached.
public struct FeigFrameBuilder {
    public private(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(256) }

    /// Starts a frame for `control` addressed to `address`; append data, then call `finish()`.
    public mutating func begin(control: UInt8, address: UInt8 = FeigFrame.anyAddress) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(FeigFrame.stx)
        bytes.append(0); bytes.append(0)  // ALEN, filled in by finish()
        bytes.append(address)
        bytes.append(control)
    }

    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    public mutating func append(uid: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: uid >> UInt64(shift))) }
    }

    public mutating func append<C: Collection>(contentsOf c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }

    /// Fills in ALEN and appends the CRC. Returns the finished frame's bytes.
    @discardableResult
    public mutating func finish() -> [UInt8] {
        let alen = bytes.count + 2
        bytes[1] = UInt8(truncatingIfNeeded: alen >> 8)
        bytes[2] = UInt8(truncatingIfNeeded: alen)
        let crc = bytes.withUnsafeBytes { FeigCRC.checksum($0) }
        bytes.append(UInt8(truncatingIfNeeded: crc))
        bytes.append(UInt8(truncatingIfNeeded: crc >> 8))
        return bytes
    }
}

/// One complete, CRC-checked frame inside a `FeigFrameDecoder`'s buffer. Valid until the next
/// call to the decoder's `append` or `nextFrame`.
public struct FeigFrameView {
    public let address: UInt8
    public let control: UInt8
    /// Everything between CONTROL and the CRC (for a response: STATUS first, then data).
    public let payload: UnsafeRawBufferPointer
}

/// Reassembles frames from a byte stream that may split a frame over several reads or carry
/// several frames (and line noise) in one. Resynchronises on the next STX after garbage or a
/// CRC error and counts both, so a babbling reader shows up in the status CLI instead of
/// wedging the driver. Fixed storage: no allocation after init.
public final class FeigFrameDecoder {
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Bytes thrown away while hunting for a frame start or after an impossible length.
    public private(set) var garbageBytes = 0
    /// Frames whose CRC did not match.
    public private(set) var crcErrors = 0

    public init(capacity: Int = 2 * FeigFrame.maximumLength) {
        storage = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { storage.deallocate() }

    /// Bytes buffered but not yet returned as a frame.
    public var pendingCount: Int { end - start }

    public func reset() { start = 0; end = 0 }

    /// Space to receive into directly (avoids a copy); call `commit(_:)` with the count received.
    public func writableSpace() -> UnsafeMutableRawBufferPointer {
        compactIfNeeded()
        return UnsafeMutableRawBufferPointer(rebasing: storage[end...])
    }

    public func commit(_ count: Int) {
        precondition(count >= 0 && end + count <= storage.count)
        end += count
    }

    /// Copies `bytes` in. If the buffer is full of unframeable bytes, the oldest are discarded
    /// as garbage rather than growing without bound.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let space = writableSpace()
            if space.isEmpty {
                // Full without a frame: the stream is noise. Keep the newest half.
                let drop = (end - start) / 2
                garbageBytes += drop
                start += drop
                continue
            }
            let n = min(space.count, rest.count)
            UnsafeMutableRawBufferPointer(rebasing: space[..<n]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(n)))
            end += n
            rest = rest.dropFirst(n)
        }
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// The next complete frame, or nil if more bytes are needed.
    public func nextFrame() -> FeigFrameView? {
        while end - start >= 3 {
            if storage[start] != FeigFrame.stx {
                start += 1; garbageBytes += 1
                continue
            }
            let alen = Int(storage[start + 1]) << 8 | Int(storage[start + 2])
            if alen < FeigFrame.minimumLength || alen > FeigFrame.maximumLength {
                start += 1; garbageBytes += 1
                continue
            }
            if end - start < alen {
                // Either the rest is still on its way, or this STX was noise with a plausible
                // length. If a complete, valid frame already starts later in the buffer, the
                // latter is true: skip to it rather than wait for bytes that will never come.
                guard let next = nextCompleteFrameStart(after: start) else { return nil }
                garbageBytes += next - start
                start = next
                continue
            }
            let frame = UnsafeRawBufferPointer(rebasing: storage[start..<(start + alen)])
            let body = UnsafeRawBufferPointer(rebasing: frame[0..<(alen - 2)])
            let crc = UInt16(frame[alen - 2]) | UInt16(frame[alen - 1]) << 8
            if FeigCRC.checksum(body) != crc {
                crcErrors += 1
                start += 1  // this STX was noise (or the frame was damaged): hunt again
                continue
            }
            start += alen
            return FeigFrameView(
                address: frame[3], control: frame[4],
                payload: UnsafeRawBufferPointer(rebasing: frame[5..<(alen - 2)]))
        }
        return nil
    }

    /// The first index after `index` where a whole frame with a matching CRC is buffered.
    private func nextCompleteFrameStart(after index: Int) -> Int? {
        var i = index + 1
        while i + FeigFrame.minimumLength <= end {
            if storage[i] == FeigFrame.stx {
                let alen = Int(storage[i + 1]) << 8 | Int(storage[i + 2])
                if alen >= FeigFrame.minimumLength && i + alen <= end {
                    let body = UnsafeRawBufferPointer(rebasing: storage[i..<(i + alen - 2)])
                    let crc = UInt16(storage[i + alen - 2]) | UInt16(storage[i + alen - 1]) << 8
                    if FeigCRC.checksum(body) == crc { return i }
                }
            }
            i += 1
        }
        return nil
    }

    private func compactIfNeeded() {
        if start == end { start = 0; end = 0; return }
        if start > 0 && end == storage.count {
            let n = end - start
            storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: n)
            start = 0; end = n
        }
    }
}
