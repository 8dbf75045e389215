import ISO28560
import Logging

/// Every log line and metadata value passes SafeText before it reaches the journal or the
/// terminal: log messages quote item ids, titles and ILS texts, which strangers wrote, and
/// `journalctl` prints them to a technician's terminal as they are.
struct SafeLogHandler: LogHandler {
    var inner: any LogHandler

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
        line: UInt
    ) {
        inner.log(
            level: level, message: "\(SafeText.display(message.description))", metadata: metadata.map(Self.safe), source: source,
            file: file, function: function, line: line)
    }

    static func safe(_ m: Logger.Metadata) -> Logger.Metadata { m.mapValues(safe) }

    static func safe(_ v: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch v {
        case .string(let s): .string(SafeText.display(s))
        case .stringConvertible(let c): .string(SafeText.display(c.description))
        case .array(let a): .array(a.map(safe))
        case .dictionary(let d): .dictionary(safe(d))
        }
    }
}
