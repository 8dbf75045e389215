import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Logs straight into the systemd journal with real fields (sd_journal_sendv), so
/// `journalctl -u rfidgated ITEM_ID=39010000000524` or `READER_ID=gate-1` finds events.
/// Metadata keys use swift-log's dotted style ("reader.id") and become journal field names
/// ("READER_ID"): upper-case letters, digits and underscores, not starting with "_".
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String) { self.label = label }

    /// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM for us).
    public static var isConnected: Bool { getenv("JOURNAL_STREAM") != nil }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=rfidgated",
            "LOGGER=\(label)",
            "CODE_FILE=\(event.file)", "CODE_LINE=\(event.line)", "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields.append("\(Self.fieldName(key))=\(value)")
        }
        let buffers = fields.map { Array($0.utf8) }
        var iov: [iovec] = []
        iov.reserveCapacity(buffers.count)
        // The byte arrays outlive the call: take their addresses only inside one scope.
        Self.withPointers(buffers, 0, &iov) { vectors in
            _ = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }

    private static func withPointers(_ buffers: [[UInt8]], _ i: Int, _ iov: inout [iovec], _ body: ([iovec]) -> Void) {
        if i == buffers.count { body(iov); return }
        buffers[i].withUnsafeBytes { raw in
            iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
            withPointers(buffers, i + 1, &iov, body)
        }
    }

    /// "reader.id" → "READER_ID"; anything outside [A-Z0-9_] becomes "_", leading "_" → "F_".
    static func fieldName(_ key: String) -> String {
        var out = ""
        for ch in key.uppercased().unicodeScalars {
            let ok = (ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9")
            out.unicodeScalars.append(ok ? ch : "_")
        }
        if out.first == "_" || out.first?.isNumber == true || out.isEmpty { out = "F_" + out }
        return String(out.prefix(64))
    }

    /// syslog priorities (sd-journal's PRIORITY field).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
