#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams RFC 4180 records from a file with a fixed buffer: quoted fields, doubled quotes,
/// separators and line breaks inside quotes, CRLF or LF. Knows the byte offset after each
/// record, so an import can record where to resume.
final class CSVReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var count = 0
    private var position = 0
    private var eof = false
    var separator: UInt8 = UInt8(ascii: ",")
    /// Byte offset of the next unread byte.
    private(set) var offset: Int64
    /// Physical line number (1-based) the next record starts on.
    private(set) var line: Int

    init(path: String, offset: Int64 = 0, line: Int = 1) throws(CirculationError) {
        guard let f = fopen(path, "rb") else {
            throw CirculationError("cannot open \(path): \(String(cString: strerror(errno)))", kind: errno == ENOENT ? .notFound : .io)
        }
        file = f
        if offset > 0 && fseeko(f, off_t(offset), SEEK_SET) != 0 {
            fclose(f)
            throw CirculationError("cannot seek in \(path) to resume: \(String(cString: strerror(errno)))", kind: .io)
        }
        self.offset = offset
        self.line = line
    }

    deinit { fclose(file) }

    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    /// Size and a hash of the first 64 KiB: identifies "the same export" for resuming.
    static func fingerprint(_ path: String) throws(CirculationError) -> String {
        guard let f = fopen(path, "rb") else {
            throw CirculationError("cannot open \(path): \(String(cString: strerror(errno)))", kind: errno == ENOENT ? .notFound : .io)
        }
        defer { fclose(f) }
        var head = [UInt8](repeating: 0, count: 65536)
        let n = fread(&head, 1, head.count, f)
        let hash = head[0..<n].withUnsafeBytes { CirculationKey.of($0) }
        return "size=\(fileSize(path) ?? -1);head=\(String(hash, radix: 16))"
    }

    @inline(__always)
    private func nextByte() -> UInt8? {
        if position == count {
            if eof { return nil }
            count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if count == 0 { eof = true; return nil }
        }
        let b = buffer[position]
        position += 1
        offset += 1
        return b
    }

    @inline(__always)
    private func peekByte() -> UInt8? {
        if position == count {
            if eof { return nil }
            count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if count == 0 { eof = true; return nil }
        }
        return buffer[position]
    }

    var readError: Bool { ferror(file) != 0 }

    /// The next record's fields and the line it started on; nil at end of file. Blank lines
    /// are skipped. A quote left open at end of file yields what was read (the caller rejects it
    /// by field count or content).
    func next() -> (fields: [String], line: Int)? {
        while true {
            guard peekByte() != nil else { return nil }
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false, wasQuoted = false
            var ended = false
            while let b = nextByte() {
                if quoted {
                    if b == UInt8(ascii: "\"") {
                        if peekByte() == UInt8(ascii: "\"") { _ = nextByte(); field.append(b) } else { quoted = false }
                    } else {
                        if b == UInt8(ascii: "\n") { line += 1 }
                        field.append(b)
                    }
                    continue
                }
                switch b {
                case UInt8(ascii: "\""):
                    if field.isEmpty && !wasQuoted { quoted = true; wasQuoted = true } else { field.append(b) }
                case separator:
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                    wasQuoted = false
                case UInt8(ascii: "\n"):
                    line += 1
                    ended = true
                case UInt8(ascii: "\r"):
                    if peekByte() != UInt8(ascii: "\n") { field.append(b) }
                default:
                    field.append(b)
                }
                if ended { break }
            }
            if fields.isEmpty && field.isEmpty && !wasQuoted { continue }  // blank line
            fields.append(String(decoding: field, as: UTF8.self))
            return (fields, startLine)
        }
    }
}
