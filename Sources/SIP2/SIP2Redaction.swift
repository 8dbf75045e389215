/// Frames shown to people (`rfidgatectl sip2 --raw`, logs of discarded frames) carry the
/// terminal's password (CO at login, AC), and a patron's PIN (AD). Masked here, on the bytes,
/// so a frame that does not even decode is masked too.
public enum SIP2Redaction {
    /// Field ids whose values are secrets.
    public static let secretFields: Set<String> = ["CO", "AC", "AD"]
    public static let mask = Array("****".utf8)

    /// The frame with the value of every secret field replaced by `****` (an empty value stays
    /// empty, so a technician can still see that none was sent). Framing, AY/AZ and every other
    /// byte stay as they were (the checksum then no longer matches: this is for reading only).
    public static func redacted(_ frame: [UInt8]) -> [UInt8] {
        let bar = UInt8(ascii: "|")
        // Fields start after the code and the fixed part, and after every '|'.
        var starts: [Int] = []
        if frame.count >= 2, let n = SIP2Message.fixedLength(String(decoding: frame.prefix(2), as: UTF8.self)), frame.count > 2 + n {
            starts.append(2 + n)
        }
        for (i, b) in frame.enumerated() where b == bar { starts.append(i + 1) }
        var out: [UInt8] = []
        out.reserveCapacity(frame.count)
        var cursor = 0
        for start in starts where start >= cursor && start + 2 <= frame.count {
            let id = String(decoding: frame[start..<start + 2], as: UTF8.self)
            guard secretFields.contains(id) else { continue }
            var end = start + 2
            while end < frame.count, frame[end] != bar, frame[end] != 0x0D, frame[end] != 0x0A { end += 1 }
            out += frame[cursor..<start + 2]
            if end > start + 2 { out += mask }
            cursor = end
        }
        out += frame[cursor...]
        return out
    }

    public static func redacted(_ text: String) -> String {
        String(decoding: redacted(Array(text.utf8)), as: UTF8.self)
    }
}
