/// Cuts a TCP byte stream into frames on CR. A read can hold part of a frame or several frames, so
/// nothing here depends on read boundaries. One LF right after a CR is dropped (Koha ends frames
/// with CRLF by default), as is an LF at the start of a frame. Memory is bounded: a frame longer
/// than `maxFrameBytes` is cut there and flagged truncated; the rest up to the next CR is discarded.
public struct SIP2Framer: Sendable {
    public struct Frame: Equatable, Sendable {
        public var bytes: [UInt8]
        public var truncated: Bool
        /// Bytes thrown away because the frame exceeded the limit.
        public var discarded: Int
        public init(bytes: [UInt8], truncated: Bool = false, discarded: Int = 0) {
            self.bytes = bytes; self.truncated = truncated; self.discarded = discarded
        }
    }

    public let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    private var discarding = 0  // > 0: inside an oversized frame, counting what was dropped
    private var truncatedFrame: [UInt8]? = nil
    private var afterCR = false

    public init(maxFrameBytes: Int = 65_536) {
        self.maxFrameBytes = max(16, maxFrameBytes)
    }

    /// Bytes received but not yet part of a complete frame (e.g. invenio's "None" without CR).
    public var pending: [UInt8] { buffer }

    public mutating func reset() { buffer = []; discarding = 0; truncatedFrame = nil; afterCR = false }

    /// Feeds received bytes; returns the frames they completed, in order.
    public mutating func append<C: Sequence>(_ bytes: C) -> [Frame] where C.Element == UInt8 {
        var out: [Frame] = []
        for b in bytes {
            if afterCR {
                afterCR = false
                if b == 0x0A { continue }
            }
            if b == 0x0D {
                afterCR = true
                if let t = truncatedFrame {
                    out.append(Frame(bytes: t, truncated: true, discarded: discarding))
                    truncatedFrame = nil; discarding = 0
                } else {
                    out.append(Frame(bytes: buffer, truncated: false, discarded: 0))
                }
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            if truncatedFrame != nil { discarding += 1; continue }
            if buffer.isEmpty && b == 0x0A { continue }
            buffer.append(b)
            if buffer.count > maxFrameBytes {
                truncatedFrame = Array(buffer.prefix(maxFrameBytes))
                discarding = buffer.count - maxFrameBytes
                buffer.removeAll(keepingCapacity: false)
            }
        }
        return out
    }
}
